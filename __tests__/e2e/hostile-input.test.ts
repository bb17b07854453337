/**
 * Hostile input can do nothing, through the built dist/: a vault, a server, a token's claims or
 * an input never runs code in a later step, starts a workflow command, redirects a write, keeps
 * the step busy or eats its memory, or makes the post step delete a file it did not create.
 * Each test runs with debug logging on and ends with the leak check.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DEFAULTS, startFakeAzure } from '../../test/fake-azure/server.js';
import type { ActionResult } from '../../test/harness/runner.js';
import { expectNoLeaks, failureOf, fakePool, logOf, oidcInputs, removeRunDirs, runDist, secretInputs } from './support.js';

jest.setTimeout(60_000);

const posix = process.platform === 'win32' ? describe.skip : describe;
const pool = fakePool(4);
let scratch: string;

beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-'));
});
afterAll(async () => {
  removeRunDirs();
  await pool.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** Every workflow command the step printed, but the masks of values it was given. */
function commandsBesidesMasks(result: ActionResult): string[] {
  return [result, result.post]
    .flatMap(step => (step ? step.commands : []))
    .filter(c => !['add-mask', 'debug', 'error', 'warning', 'notice'].includes(c.command))
    .map(c => c.command);
}

describe('a vault cannot steer the later steps', () => {
  const HOSTILE = {
    'bash-env': `${'/tmp'}/hostile-bash-env.sh`,
    path: '/tmp/evil-bin',
    'node-options': '--require /tmp/evil.js',
    'github-output': '/tmp/stolen-outputs',
    'ld-preload': '/tmp/evil.so',
    'https-proxy': 'http://attacker.example:8080',
    'identity-endpoint': 'http://attacker.example/token',
    'db-password': 'ordinary-db-password-8812'
  };

  it('sets those names as outputs only, exports the rest, and a later bash step runs nothing of them', async () => {
    await pool.use(async fake => {
      const marker = path.join(scratch, 'ran');
      const script = path.join(scratch, 'bash-env.sh');
      fs.writeFileSync(script, `echo pwned > ${marker}\n`);
      await fake.addVault('hostile-vault', { secrets: { ...HOSTILE, 'bash-env': script } });
      const result = await runDist({ inputs: secretInputs(fake, { secrets: `${fake.vaultUrl('hostile-vault')}/*` }) });

      expect(result.exitCode).toBe(0);
      expect(Object.keys(result.exportedEnv)).toEqual(['DB_PASSWORD']);
      // Outputs go on: the one named GITHUB_OUTPUT redirected nothing.
      expect(result.outputs).toMatchObject({
        BASH_ENV: script,
        GITHUB_OUTPUT: HOSTILE['github-output'],
        DB_PASSWORD: HOSTILE['db-password']
      });
      expect(result.outputs['access-token']).toBeTruthy();
      expect(result.warnings.filter(warning => warning.includes('is set as the output'))).toHaveLength(7);
      expect(result.warnings.join('\n')).toContain('/* | APP_');

      // The next step, as the runner starts it: the job's env plus what GITHUB_ENV exported.
      const next = spawnSync('bash', ['-c', 'echo "$DB_PASSWORD" >/dev/null'], {
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...result.exportedEnv },
        encoding: 'utf8'
      });
      expect(next.status).toBe(0);
      expect(fs.existsSync(marker)).toBe(false);
      expectNoLeaks(result, Object.values(HOSTILE));
    });
  });

  it('refuses a dangerous explicit name before any request', async () => {
    await pool.use(async fake => {
      const result = await runDist({
        inputs: secretInputs(fake, { secrets: `${fake.vaultUrl(DEFAULTS.vaultName)}/db-password | LD_PRELOAD` })
      });
      expect(result.exitCode).toBe(1);
      expect(failureOf(result)).toMatch(
        /^Input 'secrets' entry '.*db-password \| LD_PRELOAD' maps to the environment variable 'LD_PRELOAD'/
      );
      expect(fake.requests).toEqual([]);
      expectNoLeaks(result);
    });
  });
});

describe('text from outside is data', () => {
  const INJECTED = 'x\n::save-state name=token-file::/etc/passwd\r::add-mask::injected-mask\n::set-env name=BASH_ENV::/tmp/x';

  it('an Entra ID error body cannot start a workflow command', async () => {
    await pool.use(async fake => {
      fake.fault('entra', { status: 400, body: fake.entra.errorBody({ code: 90002, error: 'invalid_request', message: INJECTED }) });
      const result = await runDist({ inputs: secretInputs(fake) });
      expect(result.exitCode).toBe(1);
      expect(commandsBesidesMasks(result)).toEqual([]);
      expect(result.masks).not.toContain('injected-mask');
      // Only the description's first line is shown, as data; what follows its line break never reaches the log.
      expect(failureOf(result).split('\n')).toContain('Entra ID said: x');
      expect(logOf(result)).not.toContain('save-state');
      expect(result.state).toEqual({});
      expectNoLeaks(result);
    });
  });

  it('a GitHub token whose subject carries commands is logged escaped', async () => {
    const fake = await startFakeAzure({ github: { subject: `repo:o/r:ref:refs/heads/${INJECTED}` } });
    try {
      const result = await runDist({ inputs: oidcInputs(fake), env: fake.env.oidc });
      expect(result.exitCode).toBe(1);
      expect(commandsBesidesMasks(result)).toEqual([]);
      expect(result.masks).not.toContain('injected-mask');
      expect(logOf(result)).toContain(
        'subject repo:o/r:ref:refs/heads/x\\n::save-state name=token-file::/etc/passwd\\r::add-mask::injected-mask'
      );
      expectNoLeaks(result);
    } finally {
      await fake.close();
    }
  });

  it('a Key Vault message cannot start a command, and a secret it quotes is never printed', async () => {
    await pool.use(async fake => {
      fake.fault('keyvault-get', {
        status: 400,
        body: { error: { code: 'BadParameter', message: `${DEFAULTS.clientSecret} ${INJECTED}` } }
      });
      const result = await runDist({ inputs: secretInputs(fake, { secrets: `${fake.vaultUrl(DEFAULTS.vaultName)}/db-password` }) });
      expect(result.exitCode).toBe(1);
      expect(commandsBesidesMasks(result)).toEqual([]);
      expect(failureOf(result)).toBe(
        `Could not load a Key Vault secret, so none was exported:\n- db-password in ${fake.vaultUrl(DEFAULTS.vaultName)}: BadParameter (HTTP 400): *** x`
      );
      expectNoLeaks(result);
    });
  });
});

describe('masks follow the runner', () => {
  it('masks a value split by a lone CR line by line', async () => {
    await pool.use(async fake => {
      const value = 'first-half-of-it\rsecond-half-of-it';
      fake.setSecret(DEFAULTS.vaultName, 'cr-secret', value);
      const result = await runDist({ inputs: secretInputs(fake, { secrets: `${fake.vaultUrl(DEFAULTS.vaultName)}/cr-secret` }) });
      expect(result.exitCode).toBe(0);
      expect(result.masks).toEqual(expect.arrayContaining([value, 'first-half-of-it', 'second-half-of-it']));
      expectNoLeaks(result, [value]);
    });
  });
});

describe('a server cannot keep the step busy or eat its memory', () => {
  it.each<[string, Record<string, unknown>, RegExp]>([
    ['endless nextLink pages: stops after 1,000', { endlessPages: true }, /the listing went on past 1000 pages; stopping/],
    [
      'a listing page without a value array: an error, not an empty vault',
      { withoutValue: [0] },
      /page 1 of the listing holds no 'value' array/
    ],
    ['a body of 2 MB', { hugeBodyBytes: 2_000_000 }, /answered with a body over 1 MiB/],
    ['a body that never ends', { endlessBody: true }, /answered with a body over 1 MiB/]
  ])('%s', async (_, listing, failure) => {
    await pool.use(async fake => {
      const vault = await fake.addVault(`hostile-${Object.keys(listing)[0]?.toLowerCase()}`, {
        secrets: { a: 'listed-value-1234' },
        listing
      });
      const result = await runDist({ inputs: secretInputs(fake, { secrets: `${vault}/*` }) });
      expect(result.exitCode).toBe(1);
      expect(failureOf(result)).toMatch(failure);
      expect(result.exportedEnv).toEqual({});
      expectNoLeaks(result);
    });
  });

  it('a listing that repeats one secret 5,000 times a page: fetched once', async () => {
    await pool.use(async fake => {
      const vault = await fake.addVault('hostile-repeats', { secrets: { same: 'same-value-5521' }, listing: { repeatItem: 5_000 } });
      const result = await runDist({ inputs: secretInputs(fake, { secrets: `${vault}/*` }) });
      expect(result.exitCode).toBe(0);
      expect(result.exportedEnv).toEqual({ SAME: 'same-value-5521' });
      expect(fake.requestsFor('keyvault-get')).toHaveLength(1);
      expectNoLeaks(result, ['same-value-5521']);
    });
  });

  it('IMDS answering 500 and then hanging fails within its stated bound (120 s), naming IMDS', async () => {
    await pool.use(async fake => {
      fake.fault('imds', { status: 500, thenHang: true });
      const started = Date.now();
      const result = await runDist({ inputs: { 'auth-type': 'managed-identity' }, env: fake.env.imds, timeoutMs: 170_000 });
      expect(result.exitCode).toBe(1);
      expect(failureOf(result)).toMatch(
        /^Getting a token for https:\/\/management\.azure\.com\/\.default with auth-type 'managed-identity': IMDS managed identity endpoint \(GET http:\/\/127\.0\.0\.1:\d+\/metadata\/identity\/oauth2\/token\) failed after \d+ attempts: no answer within/
      );
      expect(Date.now() - started).toBeLessThan(135_000);
      expectNoLeaks(result);
    });
  }, 180_000);
});

posix('credential files must be regular files', () => {
  it('a client certificate path that is a FIFO fails at once, naming the input', async () => {
    await pool.use(async fake => {
      const fifo = path.join(scratch, 'cert.pem');
      execFileSync('mkfifo', [fifo]);
      const result = await runDist({
        inputs: { ...secretInputs(fake), 'auth-type': 'certificate', 'client-secret': '', 'client-certificate': fifo }
      });
      expect(result.exitCode).toBe(1);
      expect(failureOf(result)).toMatch(
        new RegExp(
          `^Input 'client-certificate' is neither PEM text nor a readable file: ${fifo} \\(it is a FIFO \\(named pipe\\), not a regular file\\)\\.`
        )
      );
      expectNoLeaks(result);
    });
  });

  it('a federated token file that is a FIFO fails at once', async () => {
    await pool.use(async fake => {
      const fifo = path.join(scratch, 'federated-token');
      execFileSync('mkfifo', [fifo]);
      const result = await runDist({
        inputs: { 'auth-type': 'workload-identity', 'authority-host': fake.url },
        env: { AZURE_FEDERATED_TOKEN_FILE: fifo, AZURE_CLIENT_ID: DEFAULTS.clientId, AZURE_TENANT_ID: DEFAULTS.tenantId }
      });
      expect(result.exitCode).toBe(1);
      expect(failureOf(result)).toContain(
        `The federated token file AZURE_FEDERATED_TOKEN_FILE (${fifo}) cannot be read: it is a FIFO (named pipe), not a regular file.`
      );
      expectNoLeaks(result);
    });
  });

  it.each<[string, (dir: string) => string, string]>([
    [
      'a FIFO',
      dir => {
        const fifo = path.join(dir, 'fifo.key');
        execFileSync('mkfifo', [fifo]);
        return fifo;
      },
      'it is a FIFO (named pipe), not a regular file'
    ],
    [
      'a link out of the agent directory',
      dir => {
        const outside = path.join(scratch, 'outside.key');
        fs.writeFileSync(outside, 'not-the-agent-key');
        const link = path.join(dir, 'link.key');
        fs.symlinkSync(outside, link);
        return link;
      },
      'it resolves to a file outside'
    ],
    [
      'a directory',
      dir => {
        const sub = path.join(dir, 'sub.key');
        fs.mkdirSync(sub);
        return sub;
      },
      'it is a directory, not a regular file'
    ]
  ])('an Arc key file that is %s is refused, and nothing is sent', async (_, make, why) => {
    await pool.use(async fake => {
      const dir = fs.mkdtempSync(path.join(scratch, 'arc-'));
      fake.scenario.arcRealm = make(dir);
      try {
        const result = await runDist({
          inputs: { 'auth-type': 'managed-identity' },
          env: { ...fake.env.arc, AZURE_TOKEN_TEST_ARC_KEY_DIR: dir }
        });
        expect(result.exitCode).toBe(1);
        expect(failureOf(result)).toContain(`Refusing the Azure Arc key file '${fake.scenario.arcRealm}': ${why}`);
        expect(fake.requestsFor('arc').filter(request => request.headers['authorization'])).toEqual([]);
        expectNoLeaks(result, ['not-the-agent-key']);
      } finally {
        delete fake.scenario.arcRealm;
      }
    });
  });
});

describe('[::1], the IPv6 loopback, works wherever loopback is allowed', () => {
  it('as the authority and as the vault', async () => {
    await pool.use(async fake => {
      const forwards: net.Server[] = [];
      /** A port on [::1] that forwards to one of the fake's (it listens on 127.0.0.1). */
      const onIpv6 = async (origin: string): Promise<string> => {
        const target = new URL(origin);
        const server = net.createServer(socket => socket.pipe(net.connect(Number(target.port), '127.0.0.1')).pipe(socket));
        forwards.push(server);
        await new Promise<void>(resolve => server.listen(0, '::1', resolve));
        return `http://[::1]:${(server.address() as net.AddressInfo).port}`;
      };
      try {
        const authority = await onIpv6(fake.url);
        const vault = await onIpv6(fake.vaultUrl(DEFAULTS.vaultName));
        const result = await runDist({ inputs: secretInputs(fake, { 'authority-host': authority, secrets: `${vault}/db-password` }) });
        expect(result.errors).toEqual([]);
        expect(result.exportedEnv['DB_PASSWORD']).toBe(DEFAULTS.secrets['db-password']);
        expectNoLeaks(result);
      } finally {
        for (const server of forwards) server.close();
      }
    });
  });
});

describe('the post step deletes only the token file its main step created', () => {
  it.each<[string, (state: Record<string, string>, precious: string) => Record<string, string>]>([
    ['a state naming another file (a forged ::save-state::)', (_, precious) => ({ 'token-file': precious })],
    [
      'a state with the path swapped',
      (state, precious) => ({ 'token-file': JSON.stringify({ ...JSON.parse(state['token-file'] ?? '{}'), path: precious }) })
    ]
  ])('leaves a file alone given %s, with a warning', async (_, tamper) => {
    await pool.use(async fake => {
      const precious = path.join(scratch, `precious-${Math.random().toString(36).slice(2)}`);
      fs.writeFileSync(precious, 'keep me');
      const result = await runDist({
        inputs: secretInputs(fake, { 'token-file': 'token.txt' }),
        postState: state => tamper(state, precious)
      });
      expect(result.exitCode).toBe(0);
      expect(result.post?.exitCode).toBe(0);
      expect(fs.readFileSync(precious, 'utf8')).toBe('keep me');
      expect(result.post?.warnings).toHaveLength(1);
      expectNoLeaks(result);
    });
  });

  it('leaves alone a file put in place of the token file after the main step', async () => {
    await pool.use(async fake => {
      let tokenFile = '';
      const result = await runDist({
        inputs: secretInputs(fake, { 'token-file': 'token.txt' }),
        postState: state => {
          tokenFile = (JSON.parse(state['token-file'] ?? '{}') as { path: string }).path;
          fs.rmSync(tokenFile);
          fs.writeFileSync(tokenFile, 'a later step wrote this');
          return state;
        }
      });
      expect(result.post?.exitCode).toBe(0);
      expect(fs.readFileSync(tokenFile, 'utf8')).toBe('a later step wrote this');
      expect(result.post?.warnings).toEqual([
        `Left ${tokenFile} alone: it is no longer the token file this step wrote (it was replaced or changed since).`
      ]);
      expectNoLeaks(result);
    });
  });
});

describe('a throttled vault does not lose matrix legs', () => {
  it('50 legs against a vault serving 25 gets a second all succeed, and their retries spread over the seconds', async () => {
    const fake = await startFakeAzure();
    try {
      fake.throttle('keyvault', { perWindow: 25, windowMs: 1_000 });
      const secrets = ['db-password', 'api-key', 'tls-key', 'connection-string']
        .map(name => `${fake.vaultUrl(DEFAULTS.vaultName)}/${name}`)
        .join('\n');
      const started = Date.now();
      const legs = await Promise.all(
        Array.from({ length: 50 }, () => runDist({ inputs: secretInputs(fake, { secrets }), runPost: false, timeoutMs: 170_000 }))
      );
      expect(legs.map(leg => leg.exitCode)).toEqual(Array.from({ length: 50 }, () => 0));
      const gets = fake.requestsFor('keyvault-get');
      const throttled = gets.filter(request => request.status === 429);
      expect(throttled.length).toBeGreaterThan(0);
      // The retries that were answered came back over many seconds, not in one burst.
      const retried = gets.filter(request => request.status === 200).map(request => Math.floor((request.at - started) / 1000));
      const perSecond = new Map<number, number>();
      for (const second of retried) perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
      expect(Math.max(...perSecond.values())).toBeLessThan(retried.length);
      expect(perSecond.size).toBeGreaterThan(4);
      for (const leg of legs) expectNoLeaks(leg);
    } finally {
      await fake.close();
    }
  }, 180_000);
});
