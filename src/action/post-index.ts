/** Entry point of the post step (dist/post/index.js). */
import { nodeMachine } from '../core/machine.js';
import { cleanup } from './post.js';
import { actionsRunner } from './runner.js';

await cleanup(actionsRunner(), nodeMachine());
