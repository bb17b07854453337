/**
 * The floor's process: Node started with https loaded, the way the action's bundle loads it
 * (an ES module requiring Node's modules through createRequire, as ncc emits them), and nothing
 * else. `node bench/https-start.js` + the unavoidable round trips x L is the benchmark's floor.
 */
import { createRequire } from 'module';

createRequire(import.meta.url)('https');
