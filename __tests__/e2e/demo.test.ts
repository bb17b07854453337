/**
 * `npm run demo` (the README's first command) works on a fresh clone with no npm install: it is
 * run here from a copy of the repository holding only what a clone has that the demo needs
 * (dist/, action.yml, package.json, the fake and the harness) and no node_modules, and what it
 * prints is what a newcomer should see: the log, the outputs, the env and the summary, no secret.
 */
import { it, expect, beforeAll, afterAll } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULTS } from '../../test/fake-azure/server.js';
import { REPO_ROOT } from '../../test/harness/runner.js';

const COPIED = ['dist', 'action.yml', 'package.json', path.join('test', 'fake-azure'), path.join('test', 'harness')];

let clone: string;
let run: { status: number | null; stdout: string; stderr: string };

beforeAll(() => {
  clone = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-clone-'));
  for (const entry of COPIED) fs.cpSync(path.join(REPO_ROOT, entry), path.join(clone, entry), { recursive: true });
  const result = spawnSync(process.execPath, [path.join('test', 'fake-azure', 'demo.js')], {
    cwd: clone,
    env: { PATH: process.env['PATH'] ?? '' },
    encoding: 'utf8',
    timeout: 60_000
  });
  run = { status: result.status, stdout: result.stdout, stderr: result.stderr };
});
afterAll(() => {
  fs.rmSync(clone, { recursive: true, force: true });
});

it('runs without node_modules and exits 0', () => {
  expect(fs.existsSync(path.join(clone, 'node_modules'))).toBe(false);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
});

it('shows the OIDC sign-in, the Resource Manager token and the secrets loaded, in the log', () => {
  expect(run.stdout).toContain(`subject ${DEFAULTS.githubSubject}`);
  expect(run.stdout).toContain("Signed in with auth-type 'oidc'");
  expect(run.stdout).toContain('Token for https://management.azure.com expires at');
  expect(run.stdout).toContain('Loaded 3 Key Vault secrets: PGPASSWORD, TLS_KEY, API_KEY.');
});

it('shows the outputs and the env with every secret masked, and the job summary', () => {
  expect(run.stdout).toMatch(/access-token +\*\*\*\n/);
  expect(run.stdout).toMatch(/auth-type +oidc\n/);
  expect(run.stdout).toMatch(/PGPASSWORD +\*\*\*\n +TLS_KEY +\*\*\*\n +API_KEY +\*\*\*\n/);
  expect(run.stdout).toContain('| `db-password` | `https://my-vault.vault.azure.net` | `PGPASSWORD` |');
  expect(run.stdout).toContain('no secret or token appears in the log, the saved state or the summary');
});

it('prints no secret and no token', () => {
  for (const value of [...Object.values(DEFAULTS.secrets).flatMap(secret => secret.split('\n')), DEFAULTS.githubRequestToken]) {
    expect(run.stdout).not.toContain(value);
  }
  expect(run.stdout).not.toMatch(/eyJ[\w-]{4,}\.eyJ/);
  expect(run.stdout).not.toContain('::add-mask::');
});
