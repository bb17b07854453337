/**
 * Preloaded into a measured process (NODE_OPTIONS=--require, see measure.js probeEnv): at exit,
 * writes the process's peak resident set size in KiB to BENCH_RSS_FILE and, when
 * BENCH_MODULES_FILE is set, the core modules and bindings Node loaded (process.moduleLoadList,
 * one a line) to that file. Used only in runs made for this, never in timed runs.
 */
const fs = require('node:fs');

process.on('exit', () => {
  fs.writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS));
  if (process.env.BENCH_MODULES_FILE) fs.writeFileSync(process.env.BENCH_MODULES_FILE, process.moduleLoadList.join('\n'));
});
