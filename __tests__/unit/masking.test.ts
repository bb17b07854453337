import { describe, expect, it } from '@jest/globals';
import { maskValue } from '../../src/masking.js';

/** The values maskValue registers for `value`, in order. */
function masksOf(value: string): string[] {
  const masks: string[] = [];
  maskValue(mask => masks.push(mask), value);
  return masks;
}

describe('maskValue', () => {
  it.each<[string, string, string[]]>([
    ['a one-line value, once', 'S3cr3t~Value_ABC', ['S3cr3t~Value_ABC']],
    ['a multi-line value, whole and line by line', 'line-one\nline-two', ['line-one\nline-two', 'line-one', 'line-two']],
    ['CRLF lines', 'line-one\r\nline-two', ['line-one\r\nline-two', 'line-one', 'line-two']],
    [
      'a PEM key, skipping no line of 4 characters or more',
      '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----',
      [
        '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----',
        '-----BEGIN PRIVATE KEY-----',
        'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC',
        '-----END PRIVATE KEY-----'
      ]
    ],
    ['lines trimmed, short lines skipped', '{\n  "password": "pw-value"\n}', ['{\n  "password": "pw-value"\n}', '"password": "pw-value"']],
    ['an empty value: nothing', '', []],
    ['a blank value: nothing', ' \n\t', []]
  ])('masks %s', (_, value, masks) => {
    expect(masksOf(value)).toEqual(masks);
  });
});
