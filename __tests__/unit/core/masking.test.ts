import { describe, expect, it } from '@jest/globals';
import { createMasker } from '../../../src/core/masking.js';

/** The values the masker registers with the runner for `value`, in order. */
function masksOf(value: string): string[] {
  const masks: string[] = [];
  createMasker(mask => masks.push(mask)).mask(value);
  return masks;
}

describe('Masker.mask', () => {
  it.each<[string, string, string[]]>([
    ['a one-line value, once', 'S3cr3t~Value_ABC', ['S3cr3t~Value_ABC']],
    ['a multi-line value, whole and line by line', 'line-one\nline-two', ['line-one\nline-two', 'line-one', 'line-two']],
    ['CRLF lines', 'line-one\r\nline-two', ['line-one\r\nline-two', 'line-one', 'line-two']],
    ['lines split by a lone CR, as the runner splits them', 'line-one\rline-two', ['line-one\rline-two', 'line-one', 'line-two']],
    ['all three line breaks in one value', 'aaaa\nbbbb\r\ncccc\rdddd', ['aaaa\nbbbb\r\ncccc\rdddd', 'aaaa', 'bbbb', 'cccc', 'dddd']],
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

  it('registers a value once, however often it is masked', () => {
    const masks: string[] = [];
    const masker = createMasker(mask => masks.push(mask));
    masker.mask('S3cr3t~Value_ABC');
    masker.mask('S3cr3t~Value_ABC');
    expect(masks).toEqual(['S3cr3t~Value_ABC']);
  });
});

describe('Masker.redact', () => {
  it.each<[string, string[], string, string]>([
    [
      'a known secret quoted back by a server',
      ['S3cr3t~Value_ABC'],
      'invalid client_secret S3cr3t~Value_ABC given',
      'invalid client_secret *** given'
    ],
    ['every occurrence', ['abcd1234'], 'abcd1234 and abcd1234', '*** and ***'],
    ['the longer of two overlapping secrets first', ['abcd', 'abcd-efgh'], 'got abcd-efgh', 'got ***'],
    ['a line of a multi-line secret', ['first-line\nsecond-line'], 'it said second-line', 'it said ***'],
    ['text with no secret: unchanged', ['S3cr3t~Value_ABC'], 'nothing to see', 'nothing to see']
  ])('replaces %s with ***', (_, secrets, text, redacted) => {
    const masker = createMasker(() => undefined);
    for (const secret of secrets) masker.mask(secret);
    expect(masker.redact(text)).toBe(redacted);
  });
});
