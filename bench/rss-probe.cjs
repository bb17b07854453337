/**
 * Preloaded into a measured process (NODE_OPTIONS=--require, see measure.js rssProbeEnv): at exit,
 * writes the process's peak resident set size in KiB to BENCH_RSS_FILE. Used only in runs made
 * for memory, never in timed runs.
 */
const fs = require('node:fs');

process.on('exit', () => {
  fs.writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS));
});
