/**
 * `npm run bench` at its smallest (one run, tiny vaults, a tiny throttled fan-out), so the
 * benchmark cannot rot unnoticed: every kind of run succeeds and the report prints whole.
 * It checks that the benchmark works, never how fast anything is (timings are not tests).
 */
import { describe, it, expect, beforeAll } from '@jest/globals';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../../test/harness/runner.js';

const TINY = ['--runs', '1', '--latency', '1', '--small', '2', '--large', '3', '--scale-runs', '3', '--scale-secrets', '2', '--scale-limit', '4', '--scale-window', '1'];

interface BenchRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runBench(args: readonly string[]): Promise<BenchRun> {
  return new Promise(resolve => {
    execFile(process.execPath, [path.join(REPO_ROOT, 'bench', 'run.js'), ...args], { cwd: REPO_ROOT, timeout: 170_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

/** The Markdown row that starts with `first`, as cells. */
function row(report: string, first: string): string[] | undefined {
  const line = report.split('\n').find(text => text.startsWith(`| ${first} |`));
  return line?.split('|').slice(1, -1).map(cell => cell.trim());
}

describe('npm run bench (tiny sizes)', () => {
  let run: BenchRun;
  beforeAll(async () => {
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
    for (const cell of cells?.slice(2, 7) ?? []) expect(cell).toMatch(/^\d+$/);
    for (const cell of cells?.slice(8, 11) ?? []) expect(cell).toMatch(/^\d+\.\d\dx$/);
    expect(cells?.[12]).toMatch(/^\d+ \/ \d+$/);
  });

  it('prints the start-up rows against node -e 0, and the bundle sizes', () => {
    expect(row(run.stdout, '`dist/main`: load, fail on a missing input')?.[2]).toMatch(/^\+-?\d+ ms$/);
    expect(row(run.stdout, '`dist/main`: spawn to first request (case a-d runs)')?.[2]).toMatch(/^\+-?\d+ ms$/);
    expect(row(run.stdout, 'bundle: `dist/main/index.js`, `dist/post/index.js`')?.[1]).toMatch(/^\d+ kB, \d+ kB$/);
  });

  it('runs the throttled fan-out to the end: all 3 runs succeed, some gets answered 429', () => {
    const cells = row(run.stdout, '3 runs × 2 secrets, 4 gets per 1 s, Retry-After 1 s');
    expect(cells?.[1]).toBe('3/3');
    expect(cells?.[2]).toBe('6');
    expect(Number(cells?.[3])).toBeGreaterThan(0);
    expect(row(run.stdout, 'scale: every run succeeds')?.[1]).toBe('yes');
  });

  it('rejects an option that is not a positive integer, before measuring anything', async () => {
    const bad = await runBench(['--runs', '0']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("--runs must be a positive integer, not '0'");
    expect(bad.stdout).toBe('');
  });
});
