/**
 * The npm package: `npm pack` makes a tarball holding the built dist/ and no sources, whose
 * package.json has no dependencies, which installs offline into an empty prefix, and whose
 * `azure-token` bin runs from that prefix's node_modules/.bin, under both Nodes.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DEFAULTS, startFakeAzure, type FakeAzure } from '../../test/fake-azure/server.js';
import { REPO_ROOT } from '../../test/harness/runner.js';
import { runCli } from './cli-support.js';
import { NODES } from './support.js';

jest.setTimeout(120_000);

const run = promisify(execFile);
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const packageJson = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  bin: Record<string, string>;
};

interface PackedFile {
  readonly path: string;
  readonly mode: number;
}

let scratch: string;
let tarball: string;
let packed: PackedFile[];
let prefix: string;
let fake: FakeAzure;

/** npm, offline, with nothing of the user's npm configuration that could reach a registry. */
function npm(args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  const env = {
    ...process.env,
    npm_config_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false'
  };
  return run(NPM, args, { cwd, env, shell: process.platform === 'win32', maxBuffer: 16 * 1024 * 1024 });
}

beforeAll(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-cli-package-'));
  const { stdout } = await npm(['pack', '--json', '--pack-destination', scratch], REPO_ROOT);
  const [result] = JSON.parse(stdout) as Array<{ filename: string; files: PackedFile[] }>;
  tarball = path.join(scratch, result?.filename ?? '');
  packed = result?.files ?? [];
  prefix = path.join(scratch, 'prefix');
  fs.mkdirSync(prefix);
  await npm(['install', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tarball], scratch);
  fake = await startFakeAzure();
});
afterAll(async () => {
  fs.rmSync(scratch, { recursive: true, force: true });
  await fake.close();
});

describe('npm pack', () => {
  it('makes a tarball of the built dist/, the docs and the action, and nothing else', () => {
    const files = packed.map(file => file.path);
    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'LICENSE',
        'action.yml',
        'docs/command-line.md',
        'dist/cli/index.js',
        'dist/main/index.js',
        'dist/post/index.js'
      ])
    );
    expect(files.filter(file => /^(src|__tests__|test|bench|stubs|scripts|node_modules)\//.test(file) || file.endsWith('.ts'))).toEqual([]);
  });

  it('holds the bin executable, in a package.json with no dependencies', () => {
    expect(packageJson.bin).toEqual({ 'azure-token': 'dist/cli/index.js' });
    expect(packed.find(file => file.path === 'dist/cli/index.js')?.mode).toBe(0o755);
    const installed = JSON.parse(fs.readFileSync(path.join(prefix, 'node_modules', 'azure-token', 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(installed['dependencies']).toBeUndefined();
    expect(installed['private']).toBeUndefined();
  });

  it('installs offline into an empty prefix: the package alone, nothing fetched', () => {
    expect(fs.readdirSync(path.join(prefix, 'node_modules')).filter(name => !name.startsWith('.'))).toEqual(['azure-token']);
  });
});

describe.each(NODES)('the installed bin under %s', (_label, node) => {
  const bin = (): string => path.join(prefix, 'node_modules', '.bin', process.platform === 'win32' ? 'azure-token.cmd' : 'azure-token');
  /** The bin as a shell runs it, by its #! line: PATH holds only this Node, so it runs under this one. */
  const runBin = (args: string[]) => runCli({ node, command: [bin()], args, cwd: scratch, env: { PATH: path.dirname(node) } });

  it('--version prints the version of package.json', async () => {
    expect(await runBin(['--version'])).toEqual({ exitCode: 0, signal: null, stdout: `${packageJson.version}\n`, stderr: '' });
  });

  it('a bad flag: exit 2 and its one line', async () => {
    expect(await runBin(['--nope'])).toEqual({
      exitCode: 2,
      signal: null,
      stdout: '',
      stderr: 'error: --nope is not a flag of azure-token (see azure-token --help).\n'
    });
  });

  it('gets a token from the fake: the chunks the bundle loads on demand are in the package', async () => {
    const env = {
      PATH: path.dirname(node),
      AZURE_CLIENT_ID: DEFAULTS.clientId,
      AZURE_TENANT_ID: DEFAULTS.tenantId,
      AZURE_CLIENT_SECRET: DEFAULTS.clientSecret,
      AZURE_AUTHORITY_HOST: fake.url
    };
    const got = await runCli({ node, command: [bin()], args: ['--output', 'json', '--quiet'], cwd: scratch, env });
    expect(got).toMatchObject({ exitCode: 0, stderr: '' });
    expect(JSON.parse(got.stdout)).toMatchObject({ tokenType: 'Bearer', clientId: DEFAULTS.clientId, authType: 'secret' });
  });

  it('--help prints the usage', async () => {
    const help = await runBin(['--help']);
    expect(help).toMatchObject({ exitCode: 0, stderr: '' });
    expect(help.stdout).toContain('Usage: azure-token [--resource R]');
    expect(help.stdout).toContain('AZURE_CLIENT_SECRET');
  });
});
