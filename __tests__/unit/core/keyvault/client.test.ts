import { describe, expect, it } from '@jest/globals';
import { parseChallenge } from '../../../../src/core/keyvault/client.js';

const SCOPE = 'https://vault.azure.net/.default';
const OTHER_TENANT = '99999999-8888-7777-6666-555555555555';

// Following a challenge end to end (the token it asks for, the parent-domain check) is tested in load.test.ts.
describe('parseChallenge', () => {
  it.each<[string, string | undefined, unknown]>([
    [
      'resource and authorization',
      `Bearer authorization="https://login.microsoftonline.com/${OTHER_TENANT}", resource="https://vault.azure.net"`,
      { scope: SCOPE, tenantId: OTHER_TENANT }
    ],
    [
      'older authorization_uri and scope',
      `Bearer authorization_uri="https://login.windows.net/${OTHER_TENANT}/", scope="https://vault.azure.net/.default"`,
      { scope: SCOPE, tenantId: OTHER_TENANT }
    ],
    ['no authorization', 'Bearer resource="https://vault.azure.net/"', { scope: SCOPE, tenantId: undefined }],
    ['not Bearer', 'Basic realm="x"', undefined],
    ['no resource or scope', `Bearer authorization="https://login.microsoftonline.com/${OTHER_TENANT}"`, undefined],
    ['absent', undefined, undefined]
  ])('parses a challenge with %s', (_case, header, expected) => {
    expect(parseChallenge(header)).toEqual(expected);
  });
});
