/** Entry point of the post step (dist/post/index.js). */
import { nodeMachine } from '../core/machine.js';
import { runPost } from './post.js';
import { actionsRunner } from './runner.js';

await runPost({ runner: actionsRunner(), machine: nodeMachine(), env: process.env });
