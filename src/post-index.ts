/** Entry point of the post step (dist/post/index.js). */
import { actionsRunner } from './outputs.js';
import { cleanup } from './post.js';

await cleanup(actionsRunner());
