/**
 * `npm test`'s pretest: the end-to-end tests run the action under Node 24, its runtime
 * (`runs.using: node24`). When the machine's Node is not 24 and test/node24 has no Node 24 yet,
 * this installs it once, from test/node24's lockfile (a pinned, integrity-checked platform
 * package: `npm run setup:node24`), so that `npm ci && npm test` is all a fresh clone needs.
 * `npm ci` itself installs no Node binary.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const platform = process.platform === 'win32' ? 'win' : process.platform;
const binary = path.join(
  root,
  'test',
  'node24',
  'node_modules',
  `node-${platform}-${process.arch}`,
  'bin',
  process.platform === 'win32' ? 'node.exe' : 'node'
);

if (process.versions.node.startsWith('24.') || fs.existsSync(binary)) process.exit(0);
console.log(`Node ${process.version} runs the tests; the action's runtime, Node 24, goes into test/node24 (npm run setup:node24).`);
const result = spawnSync('npm', ['run', '-s', 'setup:node24'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
if (result.status !== 0) {
  // The end-to-end tests then fail, each saying what is missing; the unit tests still run.
  console.log('Could not install Node 24 into test/node24: the end-to-end tests will say so.');
}
