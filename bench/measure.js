/**
 * Timing and memory of one process run: wall time from spawn to exit, and peak RSS read from
 * inside the process by a preloaded probe (rss-probe.cjs) in runs made only for that, so the
 * probe never weighs on a timed run. node: builtins only.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAction } from '../test/harness/runner.js';

const PROBE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'rss-probe.cjs');

/** Median, min and max of a list of numbers (the list is not changed). */
export function summarize(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], count: sorted.length };
}

/**
 * Env that makes the process write its peak RSS (KiB) to a fresh file, and with `modules` the
 * list of Node's modules it loaded; read them with readRss() and readModules().
 */
export function rssProbeEnv({ modules = false } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-rss-'));
  const file = path.join(dir, 'maxrss');
  const modulesFile = modules ? path.join(dir, 'modules') : undefined;
  const env = {
    NODE_OPTIONS: `--require ${JSON.stringify(PROBE)}`,
    BENCH_RSS_FILE: file,
    ...(modulesFile ? { BENCH_MODULES_FILE: modulesFile } : {})
  };
  return { env, file, modulesFile };
}

/** The modules the probe listed (`NativeModule http`, `Internal Binding tcp_wrap`, ...), or undefined. */
export function readModules(modulesFile) {
  try {
    return fs.readFileSync(modulesFile, 'utf8').split('\n').filter(Boolean);
  } catch {
    return undefined;
  }
}

/** Peak RSS in MiB that the probe wrote, or undefined when it wrote nothing; removes the probe's files. */
export function readRss(file) {
  try {
    return Number(fs.readFileSync(file, 'utf8')) / 1024;
  } catch {
    return undefined;
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

/**
 * Runs `node ...args` with only PATH, HOME and `env`; resolves {ms, exitCode, stdout, stderr}.
 * Nothing else of this process's environment is passed on: in particular not the machine-wide
 * NODE_EXTRA_CA_CERTS, which Node reads eagerly at start-up (the runner harness that runs the
 * action passes only PATH and HOME too). A TLS run passes the fake's one-certificate CA itself,
 * to the action and to every baseline alike.
 */
export function timeNode(args, { node = process.execPath, env = {}, timeoutMs = 120_000 } = {}) {
  const baseEnv = Object.fromEntries(
    ['PATH', 'HOME'].filter(name => process.env[name] !== undefined).map(name => [name, process.env[name]])
  );
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(node, args, { env: { ...baseEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout = [];
    const stderr = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', chunk => stdout.push(chunk));
    child.stderr.on('data', chunk => stderr.push(chunk));
    child.on('error', error => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      resolve({
        ms: performance.now() - started,
        exitCode: signal ? `killed by ${signal}` : exitCode,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8')
      });
    });
  });
}

/**
 * Runs the action's main step through the runner harness (as the runner does: INPUT_* from
 * action.yml, file commands, clean env), timing it from just before the spawn to its exit.
 * The harness's own work (a temp dir, five empty files) is inside the time: ~1-2 ms.
 */
export async function timeAction({ node = process.execPath, inputs, env = {}, timeoutMs = 120_000 }) {
  const startedAt = Date.now();
  const started = performance.now();
  const result = await runAction({ node, inputs, env, runPost: false, timeoutMs });
  const ms = performance.now() - started;
  fs.rmSync(result.tempDir, { recursive: true, force: true });
  return { ms, startedAt, result };
}
