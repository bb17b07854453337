/**
 * `npm run bench` at its smallest (one run, no warm-up, tiny vaults, a tiny throttled fan-out),
 * so the benchmark cannot rot unnoticed: every kind of run succeeds and the report prints whole.
 * It checks that the benchmark works, never how fast anything is (timings are not tests).
 */
import { describe, it, expect, beforeAll } from '@jest/globals';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../test/harness/runner.js';
import { actionConcurrency } from '../../bench/cases.js';

const TINY = [
  ...['--runs', '1', '--warmup', '0', '--latency', '1', '--rtt', '1', '--small', '2', '--large', '3', '--growth', '1,3'],
  ...['--scale-legs', '3', '--scale-secrets', '2', '--scale-limit', '4', '--scale-window', '1']
];

interface BenchRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runScript(script: string, args: readonly string[]): Promise<BenchRun> {
  return new Promise(resolve => {
    execFile(process.execPath, [path.join(REPO_ROOT, script), ...args], { cwd: REPO_ROOT, timeout: 170_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

const runBench = (args: readonly string[]) => runScript('bench/run.js', args);

// Started together with the benchmark (timings are not checked, so they may share the CPUs).
let prototypeRun: Promise<BenchRun> | undefined;
const startPrototype = () =>
  (prototypeRun ??= runScript('bench/prototype/measure.js', ['--runs', '1', '--warmup', '0', '--rtt', '1', '--secrets', '2']));

/** The Markdown row that starts with `first`, as cells. */
function row(report: string, first: string): string[] | undefined {
  const line = report.split('\n').find(text => text.startsWith(`| ${first} |`));
  return line
    ?.split('|')
    .slice(1, -1)
    .map(cell => cell.trim());
}

const MEASURED = /^\d+( \(\d+–\d+\))?$/;

describe('npm run bench (tiny sizes)', () => {
  let run: BenchRun;
  beforeAll(async () => {
    // The prototype starts now, beside the benchmark; its test awaits it.
    void startPrototype();
    run = await runBench(TINY);
  }, 180_000);

  it('exits 0: every action, SDK, bare-client and scale run succeeded', () => {
    expect(run.stderr).not.toMatch(/failed/);
    expect(run.code).toBe(0);
  });

  it.each([
    ['(a) OIDC → one token', '2'],
    ['(b) OIDC → token + 2 secrets', '3'],
    ['(c) OIDC → token + 3 secrets', '3'],
    ['(d) vault/* over 3 secrets', '4']
  ])('prints case %s with its round trips, a time in every column and its ratios', (title, roundTrips) => {
    const cells = row(run.stdout, title);
    expect(cells).toHaveLength(13);
    expect(cells?.[1]).toBe(roundTrips);
    // floor, bare client, action, action through the TLS proxy, SDK loop: all measured.
    for (const cell of cells?.slice(2, 7) ?? []) expect(cell).toMatch(MEASURED);
    for (const cell of cells?.slice(8, 11) ?? []) expect(cell).toMatch(/^\d+\.\d\dx$/);
    expect(cells?.[12]).toMatch(/^\d+ \/ \d+$/);
  });

  it('prints the connection set-up rows: floor and bare client with their round trips, the preconnecting one, the action, connections per service', () => {
    const cells = row(run.stdout, '1 ms');
    expect(cells).toHaveLength(9);
    expect(cells?.[1]).toMatch(/^\d+ \(5\)$/);
    expect(cells?.[2]).toMatch(/^\d+ \(9\)$/);
    for (const cell of cells?.slice(3, 5) ?? []) expect(cell).toMatch(MEASURED);
    // Both bare clients open one GitHub, two Entra ID and one Key Vault connection per secret in flight.
    expect(cells?.[8]).toMatch(/^1 \/ 2 \/ 2 · 1 \/ 2 \/ 2 · \d+ \/ \d+ \/ \d+$/);
  });

  it('counts the CONNECTs per service of the action through the proxy', () => {
    const proxyRows = run.stdout.split('\n').filter(line => line.startsWith('| 1 ms |'));
    expect(proxyRows).toHaveLength(2);
    const cells = proxyRows[1]
      ?.split('|')
      .slice(1, -1)
      .map(cell => cell.trim());
    expect(cells?.[1]).toMatch(MEASURED);
    expect(cells?.[3]).toMatch(/^[1-9]\d* \/ [1-9]\d* \/ [1-9]\d*$/);
  });

  it.each([
    ['token + 1 secret', '3'],
    ['token + 3 secrets', '3'],
    ['vault/* over 3 secrets', '4']
  ])('prints the cost-growth row %s with its round trips, times and peak RSS', (title, roundTrips) => {
    const cells = row(run.stdout, title);
    expect(cells).toHaveLength(9);
    expect(cells?.[1]).toBe(roundTrips);
    for (const cell of cells?.slice(2, 5) ?? []) expect(cell).toMatch(MEASURED);
    expect(cells?.[8]).toMatch(/^\d+$/);
  });

  it('prints the start-up rows against node -e 0 (https loaded among them), the CLI slot and the bundle sizes', () => {
    expect(row(run.stdout, "node with https loaded (`bench/https-start.js`: the floor's start)")?.[2]).toMatch(/^\+-?\d+ ms$/);
    expect(row(run.stdout, '`dist/main`: load, fail on a missing input')?.[2]).toMatch(/^\+-?\d+ ms$/);
    expect(row(run.stdout, '`dist/main`: spawn to first request (case a-d runs)')?.[2]).toMatch(/^\+-?\d+ ms$/);
    expect(row(run.stdout, 'bundle: `dist/main/index.js`, `dist/post/index.js`')?.[1]).toMatch(/^\d+ kB, \d+ kB$/);
    if (fs.existsSync(path.join(REPO_ROOT, 'dist', 'cli', 'index.js')))
      expect(row(run.stdout, '`dist/cli/index.js --version`')?.[1]).toMatch(MEASURED);
    else
      expect(row(run.stdout, '`dist/cli/index.js`: start-up (`--version`), one token')?.[1]).toBe(
        'not available: dist/cli/index.js is absent'
      );
  });

  it('shows that the bare client loads no Node module the action does not, and no undici', () => {
    const bare = row(run.stdout, 'the bare client (case b)');
    expect(bare?.[2]).toBe('no');
    expect(bare?.[3]).toBe('none');
    expect(row(run.stdout, 'the action (case b)')?.[1]).toMatch(/^\d+$/);
  });

  it('fills the sign-in-later-steps slot, or says it is not available', () => {
    const cells = row(run.stdout, 'OIDC → token + 2 secrets');
    const yml = fs.readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8');
    if (/^ {2}sign-in-later-steps:/m.test(yml)) expect(cells?.[3]).toMatch(/^\+-?\d+ ms$/);
    else expect(cells?.[1]).toBe('not available: action.yml has no `sign-in-later-steps` input');
  });

  it('runs the throttled fan-out to the end: all 3 legs succeed, some gets answered 429', () => {
    const cells = row(run.stdout, '3 legs × 2 secrets, 4 gets per 1 s, Retry-After 1 s');
    expect(cells?.[1]).toBe('3/3');
    expect(cells?.[2]).toBe('6');
    expect(Number(cells?.[3])).toBeGreaterThan(0);
    expect(row(run.stdout, 'scale: every one of 3 legs succeeds')?.[1]).toBe('yes');
  });

  it('states every target, met or missed', () => {
    for (const target of [
      'OIDC → token + 2 secrets, connection set-up emulated at L = 1 ms: at most 1.05x the preconnecting bare client',
      'case (b) within 1.3x of its floor (L = 1 ms, no connection cost)',
      'through a proxy, 1 CONNECT per origin per step',
      'scale: every one of 3 legs succeeds'
    ]) {
      expect(row(run.stdout, target)?.[1]).toMatch(/^(yes|\*\*no\*\*)$/);
    }
  });

  it('rejects an option that is not a positive integer (or a list of them), before measuring anything', async () => {
    for (const [args, message] of [
      [['--runs', '0'], "--runs must be a positive integer, not '0'"],
      [['--rtt', '20,x'], "--rtt must be positive integers separated by commas, not '20,x'"]
    ] as const) {
      const bad = await runBench(args);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain(message);
      expect(bad.stdout).toBe('');
    }
  });
});

describe('the connection prototype (bench/prototype/measure.js, tiny sizes)', () => {
  it('runs every strategy on both transports; kept-alive tunnels and one-per-origin open what they should', async () => {
    const run = await startPrototype();
    expect(run.stderr).not.toMatch(/failed/);
    expect(run.code).toBe(0);
    const rows = run.stdout.split('\n').filter(line => line.startsWith('| token + 2 secrets | 1 ms |'));
    expect(rows).toHaveLength(11);
    const cells = (strategy: string, transport: string) =>
      rows
        .map(line =>
          line
            .split('|')
            .slice(1, -1)
            .map(cell => cell.trim())
        )
        .find(c => c[2] === transport && c[3] === strategy);
    expect(cells('pool + preconnect, one connection per origin', 'proxy')?.[6]).toBe('1 / 1 / 1');
    expect(cells('pool + preconnect', 'proxy')?.[6]).toBe('1 / 2 / 2');
    for (const row of rows) expect(row.split('|')[5]?.trim()).toMatch(/^\d+$/);
  }, 110_000);
});

describe('the benchmark reads MAX_REQUESTS_IN_FLIGHT from the source', () => {
  it('finds the declaration anywhere under src/, whatever the file is called', () => {
    const src = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-src-'));
    try {
      fs.mkdirSync(path.join(src, 'core', 'keyvault'), { recursive: true });
      fs.writeFileSync(path.join(src, 'index.ts'), 'export {};\n');
      fs.writeFileSync(path.join(src, 'core', 'keyvault', 'fetch.ts'), 'export const MAX_REQUESTS_IN_FLIGHT = 24;\n');
      expect(actionConcurrency(src)).toBe(24);
      fs.writeFileSync(path.join(src, 'other.ts'), 'const MAX_REQUESTS_IN_FLIGHT: number = 8;\n');
      expect(() => actionConcurrency(src)).toThrow(/different values/);
    } finally {
      fs.rmSync(src, { recursive: true, force: true });
    }
  });

  it('reads 16 or whatever the action declares today', () => {
    expect(actionConcurrency()).toBeGreaterThan(0);
  });
});
