import { afterEach, describe, expect, it } from '@jest/globals';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BackgroundOptions, BackgroundStart } from '../../../src/core/machine.js';
import { describeError } from '../../../src/core/errors.js';
import { processEnv, startEndpoint, stopEndpoint, waitUntilGone } from '../../../src/endpoint/lifecycle.js';
import { testMachine } from '../support.js';

const PROGRAM = { node: '/usr/bin/node', entry: '/action/dist/endpoint/index.js' };
const MESSAGE = {
  inputs: { 'auth-type': 'oidc' },
  env: { ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token' },
  workspace: '/w',
  secret: 'ef'.repeat(32)
};

/** A machine whose background programs answer `start`, recording how they were started. */
function machineStarting(start: BackgroundStart) {
  const calls: Array<{ file: string; args: readonly string[]; options: BackgroundOptions }> = [];
  return {
    calls,
    machine: {
      ...testMachine(),
      startBackground: async (file: string, args: readonly string[], options: BackgroundOptions) => (
        calls.push({ file, args, options }),
        start
      )
    }
  };
}

describe('startEndpoint', () => {
  it('starts Node on the bundle, the message down its stdin only, and reads its port', async () => {
    const { calls, machine } = machineStarting({ started: true, pid: 4242, firstLine: '{"port":41234}' });
    const env = {
      PATH: '/usr/bin',
      RUNNER_TRACKING_ID: 'github_1',
      'INPUT_CLIENT-SECRET': 'S3cr3t',
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token',
      HTTPS_PROXY: 'http://proxy:3128'
    };
    await expect(startEndpoint(machine, PROGRAM, MESSAGE, env)).resolves.toEqual({ url: 'http://127.0.0.1:41234/msi/token', pid: 4242 });
    expect(calls).toEqual([
      {
        file: '/usr/bin/node',
        args: ['/action/dist/endpoint/index.js'],
        options: {
          env: { PATH: '/usr/bin', RUNNER_TRACKING_ID: 'github_1', HTTPS_PROXY: 'http://proxy:3128' },
          input: JSON.stringify(MESSAGE),
          timeoutMs: 5_000
        }
      }
    ]);
  });

  it.each<[string, BackgroundStart, string]>([
    [
      'no port in time',
      { started: false, why: 'it wrote nothing within 5 s' },
      'The token endpoint for later steps did not start: it wrote nothing within 5 s. Later steps are not signed in.'
    ],
    [
      'an error report',
      { started: true, pid: 1, firstLine: JSON.stringify({ error: "Input 'client-id' is needed for auth-type 'oidc'.\nline two" }) },
      "The token endpoint for later steps did not start: Input 'client-id' is needed for auth-type 'oidc'.\\nline two. Later steps are not signed in."
    ],
    [
      'something else',
      { started: true, pid: 1, firstLine: 'hello' },
      'The token endpoint for later steps did not start: it answered something other than its port. Later steps are not signed in.'
    ]
  ])('fails with a clear line on %s', async (_name, start, expected) => {
    const { machine } = machineStarting(start);
    const error = await startEndpoint(machine, PROGRAM, MESSAGE, {}).catch((caught: unknown) => caught);
    expect(describeError(error)).toBe(
      `${expected}\nRe-run the job; if it fails again, remove 'sign-in-later-steps' and run this action again in each step that needs a token.`
    );
  });
});

describe('processEnv', () => {
  it('keeps what Node, the proxies, the CA and the runner need, and nothing else', () => {
    const env = {
      PATH: '/bin',
      HOME: '/home/runner',
      RUNNER_TEMP: '/tmp/r',
      RUNNER_TRACKING_ID: 'github_x',
      NO_PROXY: 'corp',
      NODE_EXTRA_CA_CERTS: '/ca.pem',
      SystemRoot: 'C:\\Windows',
      'INPUT_CLIENT-SECRET': 's',
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 't',
      ACTIONS_RUNTIME_TOKEN: 'r',
      GITHUB_TOKEN: 'g',
      AZURE_CLIENT_SECRET: 'a',
      IDENTITY_HEADER: 'h',
      NODE_OPTIONS: '--require x',
      GITHUB_ENV: '/env'
    };
    expect(processEnv(env)).toEqual({
      PATH: '/bin',
      HOME: '/home/runner',
      RUNNER_TEMP: '/tmp/r',
      RUNNER_TRACKING_ID: 'github_x',
      NO_PROXY: 'corp',
      NODE_EXTRA_CA_CERTS: '/ca.pem',
      SystemRoot: 'C:\\Windows'
    });
  });
});

describe('stopEndpoint', () => {
  let server: http.Server | undefined;
  afterEach(async () => {
    await new Promise(resolve => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
  });

  /** A loopback server answering `status` + `body`, recording what it was sent. */
  async function answering(status: number, body: string): Promise<{ url: string; seen: http.IncomingHttpHeaders[]; paths: string[] }> {
    const seen: http.IncomingHttpHeaders[] = [];
    const paths: string[] = [];
    server = http.createServer((request, response) => {
      seen.push(request.headers);
      paths.push(request.url ?? '');
      response.writeHead(status, { 'Content-Type': 'application/json' }).end(body);
    });
    await new Promise<void>(resolve => server?.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/msi/token`, seen, paths };
  }

  it('asks for /shutdown with the header and reads the statistics', async () => {
    const stats = { served: { 'https://vault.azure.net': 3 }, failures: 0, refused: 1, pid: 99 };
    const { url, seen, paths } = await answering(200, JSON.stringify(stats));
    await expect(stopEndpoint(url, 'the-header')).resolves.toEqual({ outcome: 'stopped', stats });
    expect(paths).toEqual(['/shutdown']);
    expect(seen[0]).toMatchObject({ 'x-identity-header': 'the-header', host: new URL(url).host });
  });

  it('reports a refusal with what was said', async () => {
    const { url } = await answering(401, '{"error":"unauthorized"}');
    await expect(stopEndpoint(url, 'stale')).resolves.toEqual({ outcome: 'refused', status: 401, said: '{"error":"unauthorized"}' });
  });

  it('knows an endpoint that is gone', async () => {
    const { url } = await answering(200, '{}');
    await new Promise(resolve => server?.close(resolve));
    server = undefined;
    await expect(stopEndpoint(url, 'h')).resolves.toEqual({ outcome: 'gone' });
  });
});

describe('waitUntilGone', () => {
  it('waits while the process runs, boundedly', async () => {
    let checks = 0;
    const machine = { ...testMachine(), isRunning: () => ++checks < 4 };
    await expect(waitUntilGone(machine, 1)).resolves.toBe(true);
    expect(machine.sleeps).toEqual([20, 20, 20]);
    const stuck = { ...testMachine(), isRunning: () => true };
    await expect(waitUntilGone(stuck, 1, 100)).resolves.toBe(false);
    expect(stuck.sleeps).toHaveLength(5);
  });
});
