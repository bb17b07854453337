import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Config } from '../../../../src/core/config.js';
import { createAzureCliCredential, explainAzFailure, parseAzOutput } from '../../../../src/core/credentials/azure-cli.js';
import type { CredentialDeps } from '../../../../src/core/credentials/credential.js';
import { azureCliSettings } from '../../../../src/core/credentials/settings.js';
import { ActionError } from '../../../../src/core/errors.js';
import { createMasker } from '../../../../src/core/masking.js';
import { configFrom, credentialDeps, failureOf, fakeMachine } from '../../credential-support.js';
import { fakeJwt, NOW, recordingMasker, TENANT_ID, testMachine } from '../../support.js';

const TOKEN = fakeJwt({ tid: TENANT_ID });
const SCOPE = 'https://management.azure.com/.default';
/** An hour after NOW (2026-11-23T12:00:00Z), in epoch seconds. */
const IN_AN_HOUR = 1795438800;

const INSTALL_HINT = 'Install the Azure CLI (https://aka.ms/azure-cli), or choose another auth-type.';
const LOGIN_HINT =
  "Sign the CLI in earlier in the job (azure/login), or run `az login` as the runner's user on a self-hosted runner. " +
  "On GitHub-hosted runners prefer auth-type 'oidc': it needs no az login step.";
const RUN_IT_HINT = 'Run `az account get-access-token` on the runner to see the problem.';
const UPGRADE_HINT = 'Update the Azure CLI: az upgrade';
const CLOCK_HINT =
  'Check the runner clock (a self-hosted runner should sync it with NTP); if the clock is right, the service is broken: re-run the job later.';

const azureCli = (config: Config, deps: CredentialDeps) => createAzureCliCredential(azureCliSettings(config), deps);

/** A machine where az is /usr/bin/az and answers `stdout` (or fails with `stderr`). */
const azMachine = (result: { exitCode?: number | null; stdout?: string; stderr?: string; failure?: 'ENOENT' | 'ETIMEDOUT' }) =>
  fakeMachine({ executables: ['/usr/bin/az'], processResult: { exitCode: 0, stdout: '', stderr: '', ...result } });
const AZ_ENV = { PATH: '/usr/local/bin:/usr/bin' };

// The fake az is a POSIX shell script, run for real; Windows runs az.cmd, covered by the fake machine below.
(process.platform === 'win32' ? describe.skip : describe)('azure-cli credential, against a fake az on PATH', () => {
  let bin: string;
  beforeEach(() => {
    bin = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-az-'));
  });
  afterEach(() => fs.rmSync(bin, { recursive: true, force: true }));

  /** A fake `az` first on PATH: it records its arguments in `args` next to it, then runs `body`. */
  function installAz(body: string): Record<string, string> {
    const script = path.join(bin, 'az');
    fs.writeFileSync(script, `#!/bin/sh\nprintf '%s\\n' "$@" > "${bin}/args"\n${body}\n`, { mode: 0o755 });
    return { PATH: `${bin}:/usr/bin:/bin` };
  }

  const recordedArgs = (): string[] => fs.readFileSync(path.join(bin, 'args'), 'utf8').trim().split('\n');

  it('runs az account get-access-token for the resource, reads expires_on and masks the token', async () => {
    const env = installAz(
      `echo '{"accessToken":"${TOKEN}","expiresOn":"2026-11-23 13:00:00.000000","expires_on":${IN_AN_HOUR},"tokenType":"Bearer"}'`
    );
    const deps = credentialDeps(testMachine());

    const token = await azureCli(configFrom({}, env), deps).getToken(SCOPE);

    expect(recordedArgs()).toEqual(['account', 'get-access-token', '--output', 'json', '--resource', 'https://management.azure.com']);
    expect(token).toEqual({ token: TOKEN, expiresOn: new Date(IN_AN_HOUR * 1000) });
    expect(deps.masks).toEqual([TOKEN]);
  });

  it("passes --tenant from 'tenant-id', or the tenant a Key Vault challenge names", async () => {
    const env = installAz(`echo '{"accessToken":"t","expires_on":${IN_AN_HOUR}}'`);
    const credential = azureCli(configFrom({ 'tenant-id': 'contoso.onmicrosoft.com' }, env), credentialDeps(testMachine()));
    await credential.getToken('https://vault.azure.net/.default');
    expect(recordedArgs().slice(-4)).toEqual(['--resource', 'https://vault.azure.net', '--tenant', 'contoso.onmicrosoft.com']);
    await credential.getToken('https://vault.azure.net/.default', { tenantId: TENANT_ID });
    expect(recordedArgs().slice(-2)).toEqual(['--tenant', TENANT_ID]);
  });

  it('explains "run az login"', async () => {
    const env = installAz(`echo "ERROR: Please run 'az login' to setup account." >&2; exit 1`);
    const message = await failureOf(azureCli(configFrom({}, env), credentialDeps(testMachine())).getToken(SCOPE));
    expect(message).toBe(`The Azure CLI is not signed in: ERROR: Please run 'az login' to setup account.\n${LOGIN_HINT}`);
  });

  it('passes on any other failure as az printed it', async () => {
    const env = installAz(`echo "ERROR: AADSTS700082: The refresh token has expired." >&2; exit 1`);
    const message = await failureOf(azureCli(configFrom({}, env), credentialDeps(testMachine())).getToken(SCOPE));
    expect(message).toBe(`The Azure CLI failed to get a token: ERROR: AADSTS700082: The refresh token has expired.\n${RUN_IT_HINT}`);
  });
});

describe('azure-cli credential', () => {
  it('explains that az is not on PATH, without starting anything', async () => {
    const machine = fakeMachine({ executables: ['/opt/elsewhere/az'] });
    const message = await failureOf(azureCli(configFrom({}, AZ_ENV), credentialDeps(machine)).getToken(SCOPE));
    expect(message).toBe(`The Azure CLI ('az') is not on PATH.\n${INSTALL_HINT}`);
    expect(machine.processes).toEqual([]);
  });

  it('runs az by its full path from PATH, without a shell, for at most 60 s', async () => {
    const machine = azMachine({ stdout: `{"accessToken":"t","expires_on":${IN_AN_HOUR}}` });
    await azureCli(configFrom({}, AZ_ENV), credentialDeps(machine)).getToken(SCOPE);
    expect(machine.processes).toEqual([
      {
        file: '/usr/bin/az',
        args: ['account', 'get-access-token', '--output', 'json', '--resource', 'https://management.azure.com'],
        shell: false
      }
    ]);
  });

  it.each<[string, 'ENOENT' | 'ETIMEDOUT', string]>([
    ['ENOENT', 'ENOENT', `The Azure CLI could not be started from /usr/bin/az.\n${INSTALL_HINT}`],
    ['ETIMEDOUT', 'ETIMEDOUT', `The Azure CLI did not answer within 60 s (az account get-access-token).\n${LOGIN_HINT}`]
  ])('explains %s', async (_, failure, message) => {
    const machine = azMachine({ exitCode: null, failure });
    expect(await failureOf(azureCli(configFrom({}, AZ_ENV), credentialDeps(machine)).getToken(SCOPE))).toBe(message);
  });

  it.each<[string, string, string | undefined, string]>([
    [
      'a tenant',
      SCOPE,
      'x&calc',
      "The Azure CLI cannot be asked for resource 'https://management.azure.com' in tenant 'x&calc': only letters, digits and - _ . : / may be used."
    ],
    [
      'a resource',
      'https://example.com/$(id)/.default',
      undefined,
      "The Azure CLI cannot be asked for resource 'https://example.com/$(id)': only letters, digits and - _ . : / may be used."
    ],
    [
      'a resource with a space',
      'https://example.com/a b',
      undefined,
      "The Azure CLI cannot be asked for resource 'https://example.com/a b': only letters, digits and - _ . : / may be used."
    ]
  ])('refuses %s with characters a shell would read, without starting az', async (_, scope, tenantId, message) => {
    const machine = azMachine({ stdout: `{"accessToken":"t","expires_on":${IN_AN_HOUR}}` });
    const credential = azureCli(configFrom({}, AZ_ENV), credentialDeps(machine));
    expect(await failureOf(credential.getToken(scope, tenantId ? { tenantId } : {}))).toBe(message);
    expect(machine.processes).toEqual([]);
  });

  it("explains a managed identity sign-in that refuses --tenant (az login --identity, with 'tenant-id')", async () => {
    const machine = azMachine({ exitCode: 1, stderr: "ERROR: Tenant shouldn't be specified for managed identity account\n" });
    const message = await failureOf(azureCli(configFrom({ 'tenant-id': TENANT_ID }, AZ_ENV), credentialDeps(machine)).getToken(SCOPE));
    expect(machine.processes[0]?.args.slice(-2)).toEqual(['--tenant', TENANT_ID]);
    expect(message).toBe(
      "The Azure CLI is signed in with a managed identity, which refuses --tenant: ERROR: Tenant shouldn't be specified for managed identity account\n" +
        "Remove 'tenant-id' (a managed identity has one tenant), or use auth-type 'managed-identity' directly: it needs no az login."
    );
  });

  it('redacts known secrets from what az printed', async () => {
    const machine = azMachine({ exitCode: 1, stderr: 'ERROR: bad request with client secret S3cr3t-value' });
    const deps = credentialDeps(machine);
    deps.masker.mask('S3cr3t-value');
    const message = await failureOf(azureCli(configFrom({}, AZ_ENV), deps).getToken(SCOPE));
    expect(message).toBe(`The Azure CLI failed to get a token: ERROR: bad request with client secret ***\n${RUN_IT_HINT}`);
  });

  it.each<[string, string, string]>([
    ['expired an hour ago', `{"accessToken":"t","expires_on":${IN_AN_HOUR - 7200}}`, '2026-11-23T11:00:00Z'],
    ['that expires right now', '{"accessToken":"t","expires_on":1795435200}', '2026-11-23T12:00:00Z'],
    // A day back: in the past whatever the runner's time zone.
    ['whose local expiresOn has passed', '{"accessToken":"t","expiresOn":"2026-11-22 11:59:00.000000"}', localIso(2026, 10, 22, 11, 59)]
  ])('refuses a token %s', async (_, stdout, expiredAt) => {
    const machine = azMachine({ stdout });
    const deps = credentialDeps(machine);
    const message = await failureOf(azureCli(configFrom({}, AZ_ENV), deps).getToken(SCOPE));
    expect(message).toBe(`The Azure CLI answered with a token that expired at ${expiredAt}.\n${CLOCK_HINT}`);
    expect(deps.masks).toEqual(['t']);
  });
});

/** A local wall-clock time (as az's expiresOn is), as the UTC instant the error shows. */
function localIso(year: number, month: number, day: number, hour: number, minute: number): string {
  return new Date(year, month, day, hour, minute).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

describe('azure-cli on Windows', () => {
  it('runs az.cmd by its quoted full path through cmd.exe (node refuses .cmd without it)', async () => {
    const machine = fakeMachine({
      platform: 'win32',
      executables: ['C:\\Program Files\\Microsoft SDKs\\Azure\\CLI2\\wbin\\az.cmd'],
      processResult: { exitCode: 0, stdout: `{"accessToken":"t","expires_on":"${IN_AN_HOUR}"}`, stderr: '' }
    });
    const config = configFrom(
      {},
      { PATH: 'C:\\nowhere;C:\\Program Files\\Microsoft SDKs\\Azure\\CLI2\\wbin', PATHEXT: '.COM;.EXE;.BAT;.CMD' }
    );
    const token = await azureCli(config, credentialDeps(machine)).getToken(SCOPE);
    expect(machine.processes).toEqual([
      {
        file: '"C:\\Program Files\\Microsoft SDKs\\Azure\\CLI2\\wbin\\az.cmd"',
        args: ['account', 'get-access-token', '--output', 'json', '--resource', 'https://management.azure.com'],
        shell: true
      }
    ]);
    expect(token.expiresOn).toEqual(new Date(IN_AN_HOUR * 1000));
  });

  it('runs an az.exe directly, without cmd.exe', async () => {
    const machine = fakeMachine({
      platform: 'win32',
      executables: ['C:\\tools\\az.exe'],
      processResult: { exitCode: 0, stdout: `{"accessToken":"t","expires_on":${IN_AN_HOUR}}`, stderr: '' }
    });
    await azureCli(configFrom({}, { PATH: 'C:\\tools', PATHEXT: '.EXE;.CMD' }), credentialDeps(machine)).getToken(SCOPE);
    expect(machine.processes.map(({ file, shell }) => ({ file, shell }))).toEqual([{ file: 'C:\\tools\\az.exe', shell: false }]);
  });

  it('refuses an az.cmd whose path holds % (cmd.exe would expand it)', async () => {
    const machine = fakeMachine({ platform: 'win32', executables: ['C:\\%TEMP%\\az.cmd'] });
    const config = configFrom({}, { PATH: 'C:\\%TEMP%', PATHEXT: '.CMD' });
    expect(await failureOf(azureCli(config, credentialDeps(machine)).getToken(SCOPE))).toBe(
      "Refusing to run the Azure CLI from 'C:\\%TEMP%\\az.cmd': the path holds a character cmd.exe would interpret."
    );
    expect(machine.processes).toEqual([]);
  });
});

describe('parseAzOutput', () => {
  it('reads accessToken and expires_on (epoch seconds), and masks the token at once', () => {
    const masker = recordingMasker();
    const token = parseAzOutput(`{"accessToken":"tok","expiresOn":"2026-11-23 13:00:00.000000","expires_on":${IN_AN_HOUR}}`, masker, NOW);
    expect(token).toEqual({ token: 'tok', expiresOn: new Date(Date.UTC(2026, 10, 23, 13)) });
    expect(masker.masks).toEqual(['tok']);
  });

  it.each<[string, string, Date]>([
    ['expires_on as a string of digits', `{"accessToken":"t","expires_on":"${IN_AN_HOUR}"}`, new Date(Date.UTC(2026, 10, 23, 13))],
    // A local time without zone, as the runner's local time.
    [
      'expiresOn when expires_on is missing',
      '{"accessToken":"t","expiresOn":"2026-11-23 13:50:47.114324"}',
      new Date(2026, 10, 23, 13, 50, 47, 114)
    ],
    [
      'expiresOn when expires_on is not a time',
      '{"accessToken":"t","expires_on":"soon","expiresOn":"2026-11-23 13:50:47.114324"}',
      new Date(2026, 10, 23, 13, 50, 47, 114)
    ],
    [
      'expiresOn when expires_on is in milliseconds (beyond any token lifetime)',
      '{"accessToken":"t","expires_on":1795438800000,"expiresOn":"2026-11-23 13:50:47.114324"}',
      new Date(2026, 10, 23, 13, 50, 47, 114)
    ]
  ])('reads %s', (_, stdout, expiresOn) => {
    expect(parseAzOutput(stdout, recordingMasker(), NOW).expiresOn).toEqual(expiresOn);
  });

  const NO_EXPIRY = `The Azure CLI answered without a valid expiry (expires_on / expiresOn).\n${UPGRADE_HINT}`;
  it.each<[string, string, string]>([
    ['output that is not JSON', 'WARNING: something', `The Azure CLI printed no JSON for az account get-access-token.\n${UPGRADE_HINT}`],
    ['no accessToken', `{"expires_on":${IN_AN_HOUR}}`, `The Azure CLI answered without an accessToken.\n${UPGRADE_HINT}`],
    [
      'an empty accessToken',
      `{"accessToken":"","expires_on":${IN_AN_HOUR}}`,
      `The Azure CLI answered without an accessToken.\n${UPGRADE_HINT}`
    ],
    ['no expiry at all', '{"accessToken":"t"}', NO_EXPIRY],
    ['no usable expiry', '{"accessToken":"t","expires_on":"soon","expiresOn":"later"}', NO_EXPIRY],
    ['expires_on 0', '{"accessToken":"t","expires_on":0}', NO_EXPIRY],
    ['a negative expires_on', '{"accessToken":"t","expires_on":-1795438800}', NO_EXPIRY],
    ['expires_on true', '{"accessToken":"t","expires_on":true}', NO_EXPIRY],
    ['expires_on in an array', `{"accessToken":"t","expires_on":[${IN_AN_HOUR}]}`, NO_EXPIRY],
    ['a hexadecimal expires_on', '{"accessToken":"t","expires_on":"0x6B03A4D0"}', NO_EXPIRY],
    ['expires_on in milliseconds', '{"accessToken":"t","expires_on":1795438800000}', NO_EXPIRY],
    ['expires_on more than 30 days ahead', '{"accessToken":"t","expires_on":1798113600}', NO_EXPIRY]
  ])('refuses %s', (_, stdout, message) => {
    let error: unknown;
    try {
      parseAzOutput(stdout, recordingMasker(), NOW);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ActionError);
    expect(`${(error as ActionError).message}\n${(error as ActionError).hint}`).toBe(message);
  });
});

describe('explainAzFailure', () => {
  const SIGNED_IN_WITH_MI = "ERROR: Tenant shouldn't be specified for managed identity account";

  it.each<[string, boolean, string, string | undefined]>([
    ['/bin/sh: 1: az: not found', false, "The Azure CLI ('az') is not installed.", INSTALL_HINT],
    ["'az' is not recognized as an internal or external command", false, "The Azure CLI ('az') is not installed.", INSTALL_HINT],
    [
      "ERROR: Please run 'az login' to setup account.",
      false,
      "The Azure CLI is not signed in: ERROR: Please run 'az login' to setup account.",
      LOGIN_HINT
    ],
    [
      'ERROR: AADSTS50076. Run az login --scope https://management.azure.com/.default',
      false,
      'The Azure CLI failed to get a token: ERROR: AADSTS50076. Run az login --scope https://management.azure.com/.default',
      RUN_IT_HINT
    ],
    ['', false, 'The Azure CLI failed to get a token: exit code 2, no message', RUN_IT_HINT],
    ['ERROR: line one\n  line two\r\n', false, 'The Azure CLI failed to get a token: ERROR: line one line two', RUN_IT_HINT],
    [
      SIGNED_IN_WITH_MI,
      true,
      `The Azure CLI is signed in with a managed identity, which refuses --tenant: ${SIGNED_IN_WITH_MI}`,
      "Remove 'tenant-id' (a managed identity has one tenant), or use auth-type 'managed-identity' directly: it needs no az login."
    ],
    // Without --tenant az cannot have refused it: the text is passed on as it is.
    [SIGNED_IN_WITH_MI, false, `The Azure CLI failed to get a token: ${SIGNED_IN_WITH_MI}`, RUN_IT_HINT]
  ])('reads %j (with --tenant: %s)', (stderr, withTenant, message, hint) => {
    const error = explainAzFailure({ exitCode: 2, stdout: '', stderr }, withTenant);
    expect(error.message).toBe(message);
    expect(error.hint).toBe(hint);
  });

  it('redacts with the masker it is given, and shows the text as data', () => {
    const masker = createMasker(() => undefined);
    masker.mask('hunter2-password');
    const error = explainAzFailure({ exitCode: 1, stdout: '', stderr: 'ERROR: hunter2-password\n::add-mask::x' }, false, text =>
      masker.redact(text)
    );
    expect(error.message).toBe('The Azure CLI failed to get a token: ERROR: *** ::add-mask::x');
  });
});

// findOnPath (PATH, PATHEXT, relative entries, non-executable files): executables.test.ts.
// What the azure-cli kind needs (nothing: 'tenant-id' is optional): settings.test.ts.
