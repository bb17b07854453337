/** Entry point of the token endpoint's process (dist/endpoint/index.js), started by the main step. */
import { finished } from 'node:stream';
import { run } from './main.js';

// Once the main step has read the report it lets go of the pipe: a late error must not crash us.
process.stdout.on('error', () => {});

const code = await run({
  input: process.stdin,
  report: line =>
    new Promise(resolve => {
      process.stdout.end(line);
      finished(process.stdout, () => resolve());
    }),
  pid: process.pid
});
process.exit(code);
