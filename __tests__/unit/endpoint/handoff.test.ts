import { describe, expect, it } from '@jest/globals';
import { encodeReport, encodeStartMessage, parseReport, parseStartMessage } from '../../../src/endpoint/handoff.js';

const MESSAGE = {
  inputs: { 'auth-type': 'secret', 'client-secret': 'S3cr3t~Value_ABC' },
  env: { GITHUB_ACTIONS: 'true' },
  workspace: '/work/space',
  secret: 'cd'.repeat(32)
};

describe('the start message', () => {
  it('round-trips', () => {
    expect(parseStartMessage(encodeStartMessage(MESSAGE))).toEqual(MESSAGE);
  });

  it.each<[string, string, string]>([
    ['not JSON', '{"inputs": S3cr3t~Value_ABC', 'the start message is not JSON'],
    ['not an object', '"S3cr3t~Value_ABC"', 'the start message is not a JSON object'],
    ['no secret', JSON.stringify({ ...MESSAGE, secret: undefined }), 'the start message lacks inputs, env, workspace or secret'],
    ['a short secret', JSON.stringify({ ...MESSAGE, secret: 'x' }), 'the start message lacks inputs, env, workspace or secret'],
    [
      'an input that is not a string',
      JSON.stringify({ ...MESSAGE, inputs: { 'client-secret': 42 } }),
      'the start message lacks inputs, env, workspace or secret'
    ]
  ])('refuses %s, never quoting it', (_name, text, expected) => {
    expect(() => parseStartMessage(text)).toThrow(expected);
  });
});

describe('the report', () => {
  it('is one line of JSON', () => {
    expect(encodeReport({ port: 41234 })).toBe('{"port":41234}\n');
    expect(encodeReport({ error: 'no' })).toBe('{"error":"no"}\n');
  });

  it.each<[string, ReturnType<typeof parseReport>]>([
    ['{"port":41234}', { port: 41234 }],
    ['{"error":"Input \'client-id\' is needed."}', { error: "Input 'client-id' is needed." }],
    ['{"port":0}', undefined],
    ['{"port":70000}', undefined],
    ['{"port":"41234"}', undefined],
    ['listening on 41234', undefined],
    ['null', undefined]
  ])('%s', (line, expected) => {
    expect(parseReport(line)).toEqual(expected);
  });
});
