import { describe, expect, it } from '@jest/globals';
import { formatExpiry, identityOf } from '../../../src/core/identity.js';
import { CLIENT_ID, fakeJwt, OBJECT_ID, TENANT_ID } from '../support.js';

describe('formatExpiry', () => {
  it.each([
    ['2026-11-23T12:34:56.000Z', '2026-11-23T12:34:56Z'],
    ['2026-11-23T12:34:56.999Z', '2026-11-23T12:34:56Z'],
    ['2026-11-23T12:34:56.001Z', '2026-11-23T12:34:56Z'],
    ['2026-12-31T23:59:59.500Z', '2026-12-31T23:59:59Z']
  ])('%s → %s (whole seconds, UTC)', (iso, expected) => {
    expect(formatExpiry(new Date(iso))).toBe(expected);
  });
});

describe('identityOf', () => {
  const fallback = { tenantId: 'fallback-tenant', clientId: 'fallback-client' };
  it.each<[string, string, object]>([
    [
      'appid (v1 token)',
      fakeJwt({ tid: TENANT_ID, appid: CLIENT_ID, oid: OBJECT_ID }),
      { tenantId: TENANT_ID, clientId: CLIENT_ID, objectId: OBJECT_ID }
    ],
    [
      'azp (v2 token)',
      fakeJwt({ tid: TENANT_ID, azp: CLIENT_ID, oid: OBJECT_ID }),
      { tenantId: TENANT_ID, clientId: CLIENT_ID, objectId: OBJECT_ID }
    ],
    [
      'appid over azp',
      fakeJwt({ appid: CLIENT_ID, azp: 'other' }),
      { tenantId: 'fallback-tenant', clientId: CLIENT_ID, objectId: undefined }
    ],
    [
      'no identity claims: the config',
      fakeJwt({ aud: 'x' }),
      { tenantId: 'fallback-tenant', clientId: 'fallback-client', objectId: undefined }
    ],
    [
      'a token that is not a JWT: the config',
      'opaque-token-value',
      { tenantId: 'fallback-tenant', clientId: 'fallback-client', objectId: undefined }
    ],
    [
      'a JWT whose payload is not JSON',
      'aaa.bm90IGpzb24.ccc',
      { tenantId: 'fallback-tenant', clientId: 'fallback-client', objectId: undefined }
    ],
    [
      'claims as data: a line break escaped',
      fakeJwt({ tid: 't\n::add-mask::x', oid: OBJECT_ID }),
      { tenantId: 't\\n::add-mask::x', clientId: 'fallback-client', objectId: OBJECT_ID }
    ]
  ])('reads %s', (_, token, identity) => {
    expect(identityOf(token, fallback)).toEqual(identity);
  });
});
