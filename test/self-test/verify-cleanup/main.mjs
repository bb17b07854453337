// Nothing to do before the action under test runs: the work is in post.mjs.
console.log('The cleanup is checked after the post step of the action under test.');
