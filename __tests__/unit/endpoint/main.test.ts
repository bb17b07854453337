import { describe, expect, it } from '@jest/globals';
import * as http from 'node:http';
import { run } from '../../../src/endpoint/main.js';
import { CLIENT_ID, TENANT_ID } from '../support.js';

const SECRET = 'S3cr3t~Value_ABC';
const HEADER = '01'.repeat(32);

function message(inputs: Record<string, string>, env: Record<string, string> = { GITHUB_ACTIONS: 'true' }): string {
  return JSON.stringify({ inputs, env, workspace: '/work/space', secret: HEADER });
}

/** Runs the endpoint on `input`; resolves with its first report once it has made one. */
function start(input: string): { report: Promise<string>; exit: Promise<number> } {
  let reported: (line: string) => void = () => {};
  const report = new Promise<string>(resolve => (reported = resolve));
  const exit = run({
    input: (async function* () {
      yield Buffer.from(input);
    })(),
    report: async line => reported(line),
    pid: 4242
  });
  return { report, exit };
}

function get(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, headers, agent: false }, response => {
        let text = '';
        response.on('data', chunk => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
      })
      .on('error', reject);
  });
}

describe('the endpoint process', () => {
  it('listens on loopback, reports its port, and stops at the authenticated shutdown with its statistics', async () => {
    const { report, exit } = start(
      message({ 'auth-type': 'secret', 'client-id': CLIENT_ID, 'tenant-id': TENANT_ID, 'client-secret': SECRET })
    );
    const line = await report;
    expect(line).toMatch(/^\{"port":\d+\}\n$/);
    const { port } = JSON.parse(line) as { port: number };
    await expect(get(port, '/msi/token?api-version=2019-08-01&resource=x', { 'X-IDENTITY-HEADER': 'wrong' })).resolves.toMatchObject({
      status: 401
    });
    await expect(get(port, '/shutdown', { 'X-IDENTITY-HEADER': HEADER })).resolves.toEqual({
      status: 200,
      body: { served: {}, failures: 0, refused: 1, pid: 4242 }
    });
    await expect(exit).resolves.toBe(0);
  });

  it.each<[string, string, string]>([
    ['a message that is not JSON', `{"secret": "${SECRET}"`, 'the start message is not JSON'],
    [
      'a credential it does not serve',
      message({ 'auth-type': 'managed-identity' }),
      "the token endpoint mints tokens for auth-type oidc, secret, certificate or workload-identity, not 'managed-identity'"
    ],
    [
      'a bad input',
      message({ 'auth-type': 'secret', 'client-secret': SECRET, 'tenant-id': TENANT_ID }),
      "Input 'client-id' is needed for auth-type 'secret' (the app registration's Application (client) ID)."
    ],
    [
      'OIDC without its variables',
      message({ 'auth-type': 'oidc', 'client-id': CLIENT_ID, 'tenant-id': TENANT_ID }),
      'GitHub offers this job no OIDC token: ACTIONS_ID_TOKEN_REQUEST_URL is not set.\nGive the job `permissions: id-token: write`'
    ]
  ])('reports why it cannot start on %s, and exits 1', async (_name, input, expected) => {
    const { report, exit } = start(input);
    const { error } = JSON.parse(await report) as { error: string };
    expect(error.startsWith(expected)).toBe(true);
    expect(error).not.toContain(SECRET);
    await expect(exit).resolves.toBe(1);
  });
});
