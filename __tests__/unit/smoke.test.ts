import { afterEach, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import { run } from '../../src/main.js';
import { CLIENT_ID, fakeJwt, inputEnv, OBJECT_ID, TENANT_ID, testDeps } from './support.js';

afterEach(() => nock.cleanAll());

describe('run with a client secret', () => {
  it('gets a token and sets the outputs', async () => {
    const accessToken = fakeJwt({ tid: TENANT_ID, appid: CLIENT_ID, oid: OBJECT_ID });
    nock('https://login.microsoftonline.com')
      .post(`/${TENANT_ID}/oauth2/v2.0/token`)
      .reply(200, { token_type: 'Bearer', expires_in: 3599, access_token: accessToken });
    const deps = testDeps(inputEnv({ 'client-id': CLIENT_ID, 'tenant-id': TENANT_ID, 'client-secret': 'shh-secret-value' }));
    await run(deps);
    expect(deps.runner.failures).toEqual([]);
    expect(deps.runner.outputs['access-token']).toBe(accessToken);
    expect(deps.runner.outputs['expires-on']).toBe('2026-11-23T12:59:59Z');
    expect(deps.runner.outputs['auth-type']).toBe('secret');
  });
});
