/**
 * stubs/undici stands in for undici (package.json `overrides`): @actions/http-client imports it
 * only for getAgentDispatcher(), which the action never calls, and loading the real one cost
 * ~45 ms at every start (npm run bench, start-up row). If the override is dropped, these fail.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { HttpClient } from '@actions/http-client';
import { ProxyAgent } from 'undici';

const STUB_ERROR = 'azure-token bundles no undici: HttpClient.getAgentDispatcher() is not supported.';

describe('undici as installed and bundled', () => {
  const saved = process.env['HTTPS_PROXY'];
  afterEach(() => {
    if (saved === undefined) delete process.env['HTTPS_PROXY'];
    else process.env['HTTPS_PROXY'] = saved;
  });

  it('is the stand-in, whose ProxyAgent refuses to exist', () => {
    expect(() => new ProxyAgent({ uri: 'http://127.0.0.1:3128' })).toThrow(STUB_ERROR);
  });

  it("fails HttpClient.getAgentDispatcher() with that message when a proxy is set (the action's requests use http-client's own agents)", () => {
    process.env['HTTPS_PROXY'] = 'http://127.0.0.1:3128';
    const client = new HttpClient('azure-token');
    expect(() => client.getAgentDispatcher('https://my-vault.vault.azure.net')).toThrow(STUB_ERROR);
  });
});
