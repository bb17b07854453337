import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createAzureCliCredential, explainAzFailure, parseAzOutput } from '../../src/credentials/azure-cli.js';
import { nodeMachine } from '../../src/machine.js';
import { configFrom, credentialDeps, failureOf, fakeMachine } from './credential-support.js';
import { fakeJwt, TENANT_ID } from './support.js';

const TOKEN = fakeJwt({ tid: TENANT_ID });
const SCOPE = 'https://management.azure.com/.default';

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

// The fake az is a POSIX shell script; Windows runs az.cmd, covered by the mocked tests below.
(process.platform === 'win32' ? describe.skip : describe)('azure-cli credential, against a fake az on PATH', () => {
  it('runs az account get-access-token for the resource, reads expires_on and masks the token', async () => {
    const env = installAz(`echo '{"accessToken":"${TOKEN}","expiresOn":"2026-11-23 13:00:00.000000","expires_on":1795435200,"tokenType":"Bearer"}'`);
    const deps = credentialDeps(nodeMachine());

    const token = await createAzureCliCredential(configFrom({}, env), deps).getToken(SCOPE);

    expect(recordedArgs()).toEqual(['account', 'get-access-token', '--output', 'json', '--resource', 'https://management.azure.com']);
    expect(token).toEqual({ token: TOKEN, expiresOn: new Date(1795435200 * 1000) });
    expect(deps.masks).toEqual([TOKEN]);
  });

  it("passes --tenant from 'tenant-id', or the tenant a Key Vault challenge names", async () => {
    const env = installAz(`echo '{"accessToken":"t","expires_on":1795435200}'`);
    const credential = createAzureCliCredential(configFrom({ 'tenant-id': 'contoso.onmicrosoft.com' }, env), credentialDeps(nodeMachine()));
    await credential.getToken('https://vault.azure.net/.default');
    expect(recordedArgs().slice(-4)).toEqual(['--resource', 'https://vault.azure.net', '--tenant', 'contoso.onmicrosoft.com']);
    await credential.getToken('https://vault.azure.net/.default', { tenantId: TENANT_ID });
    expect(recordedArgs().slice(-2)).toEqual(['--tenant', TENANT_ID]);
  });

  it('explains "run az login"', async () => {
    const env = installAz(`echo "ERROR: Please run 'az login' to setup account." >&2; exit 1`);
    const message = await failureOf(createAzureCliCredential(configFrom({}, env), credentialDeps(nodeMachine())).getToken(SCOPE));
    expect(message).toBe(
      "The Azure CLI is not signed in: ERROR: Please run 'az login' to setup account.\n" +
        "Sign the CLI in earlier in the job (azure/login), or run `az login` as the runner's user on a self-hosted runner. " +
        "On GitHub-hosted runners prefer auth-type 'oidc': it needs no az login step."
    );
  });

  it('passes on any other failure as az printed it', async () => {
    const env = installAz(`echo "ERROR: AADSTS700082: The refresh token has expired." >&2; exit 1`);
    const message = await failureOf(createAzureCliCredential(configFrom({}, env), credentialDeps(nodeMachine())).getToken(SCOPE));
    expect(message).toBe(
      'The Azure CLI failed to get a token: ERROR: AADSTS700082: The refresh token has expired.\nRun `az account get-access-token` on the runner to see the problem.'
    );
  });

  it('explains that az is not on PATH, without starting anything', async () => {
    const machine = fakeMachine();
    const message = await failureOf(createAzureCliCredential(configFrom({}, { PATH: bin }), credentialDeps(machine)).getToken(SCOPE));
    expect(message).toBe("The Azure CLI ('az') is not on PATH.\nInstall the Azure CLI (https://aka.ms/azure-cli), or choose another auth-type.");
    expect(machine.processes).toEqual([]);
  });

  it('skips an az that is not executable', async () => {
    fs.writeFileSync(path.join(bin, 'az'), '#!/bin/sh\n', { mode: 0o644 });
    const message = await failureOf(createAzureCliCredential(configFrom({}, { PATH: bin }), credentialDeps(fakeMachine())).getToken(SCOPE));
    expect(message).toContain("The Azure CLI ('az') is not on PATH.");
  });

  it('skips relative PATH entries: they would find an az in the checked-out repository', async () => {
    const env = installAz('exit 0');
    const relative = path.relative(process.cwd(), bin);
    const message = await failureOf(createAzureCliCredential(configFrom({}, { PATH: relative }), credentialDeps(fakeMachine())).getToken(SCOPE));
    expect(env['PATH']).toContain(bin);
    expect(message).toContain("The Azure CLI ('az') is not on PATH.");
  });

  it.each([
    ['ENOENT', 'The Azure CLI could not be started from'],
    ['ETIMEDOUT', 'The Azure CLI did not answer within 60 s (az account get-access-token).']
  ] as const)('explains %s', async (failure, message) => {
    const env = installAz('exit 0');
    const machine = fakeMachine({ processResult: { exitCode: null, stdout: '', stderr: '', failure } });
    expect(await failureOf(createAzureCliCredential(configFrom({}, env), credentialDeps(machine)).getToken(SCOPE))).toContain(message);
  });

  it('refuses a tenant with characters a shell would read, without starting az', async () => {
    const env = installAz('exit 0');
    const machine = fakeMachine();
    const credential = createAzureCliCredential(configFrom({}, env), credentialDeps(machine));
    await expect(credential.getToken(SCOPE, { tenantId: 'x&calc' })).rejects.toThrow(
      "The Azure CLI cannot be asked for resource 'https://management.azure.com' in tenant 'x&calc': only letters, digits and - _ . : / may be used."
    );
    expect(machine.processes).toEqual([]);
  });
});

describe('azure-cli on Windows', () => {
  it('runs az.cmd by its quoted full path through cmd.exe (node refuses .cmd without it)', async () => {
    fs.writeFileSync(path.join(bin, 'az.cmd'), '@echo off\r\n');
    const machine = fakeMachine({ platform: 'win32', processResult: { exitCode: 0, stdout: '{"accessToken":"t","expires_on":"1795435200"}', stderr: '' } });
    const config = configFrom({}, { PATH: `C:\\nowhere;${bin}`, PATHEXT: '.COM;.EXE;.BAT;.CMD' });
    const token = await createAzureCliCredential(config, credentialDeps(machine)).getToken(SCOPE);
    expect(machine.processes).toEqual([
      {
        file: `"${path.join(bin, 'az.cmd')}"`,
        args: ['account', 'get-access-token', '--output', 'json', '--resource', 'https://management.azure.com'],
        shell: true
      }
    ]);
    expect(token.expiresOn).toEqual(new Date(1795435200 * 1000));
  });

  it('refuses an az.cmd whose path holds % (cmd.exe would expand it)', async () => {
    const dir = path.join(bin, '%TEMP%');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'az.cmd'), '@echo off\r\n');
    const machine = fakeMachine({ platform: 'win32' });
    const config = configFrom({}, { PATH: dir, PATHEXT: '.CMD' });
    await expect(createAzureCliCredential(config, credentialDeps(machine)).getToken(SCOPE)).rejects.toThrow('holds a character cmd.exe would interpret');
    expect(machine.processes).toEqual([]);
  });
});

describe('parseAzOutput', () => {
  it('falls back to expiresOn, a local time without zone, when expires_on is missing', () => {
    const token = parseAzOutput('{"accessToken":"t","expiresOn":"2026-11-23 13:50:47.114324"}', () => undefined);
    expect(token.expiresOn).toEqual(new Date(2026, 10, 23, 13, 50, 47, 114));
  });

  it.each([
    ['output that is not JSON', 'WARNING: something', 'The Azure CLI printed no JSON for az account get-access-token.'],
    ['no accessToken', '{"expires_on":1}', 'The Azure CLI answered without an accessToken.'],
    ['no usable expiry', '{"accessToken":"t","expires_on":"soon","expiresOn":"later"}', 'The Azure CLI answered without a valid expiry (expires_on / expiresOn).']
  ])('refuses %s', (_, stdout, message) => {
    expect(() => parseAzOutput(stdout, () => undefined)).toThrow(message);
  });
});

describe('explainAzFailure', () => {
  it.each([
    ['/bin/sh: 1: az: not found', "The Azure CLI ('az') is not installed."],
    ["'az' is not recognized as an internal or external command", "The Azure CLI ('az') is not installed."],
    ["ERROR: Please run 'az login' to setup account.", "The Azure CLI is not signed in: ERROR: Please run 'az login' to setup account."],
    [
      'ERROR: AADSTS50076. Run az login --scope https://management.azure.com/.default',
      'The Azure CLI failed to get a token: ERROR: AADSTS50076. Run az login --scope https://management.azure.com/.default'
    ],
    ['', 'The Azure CLI failed to get a token: exit code 2, no message']
  ])('reads %j', (stderr, message) => {
    expect(explainAzFailure({ exitCode: 2, stdout: '', stderr }).message).toBe(message);
  });
});
