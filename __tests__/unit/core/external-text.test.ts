import { describe, expect, it } from '@jest/globals';
import { externalText } from '../../../src/core/external-text.js';

describe('externalText: text from outside is logged as data', () => {
  it.each<[string, string, string]>([
    [
      'a line break that would start a workflow command',
      'bad request\n::save-state name=token-file::/etc/passwd',
      'bad request\\n::save-state name=token-file::/etc/passwd'
    ],
    ['CRLF and a lone CR', 'a\r\n::add-mask::x\rb', 'a\\r\\n::add-mask::x\\rb'],
    ['a tab', 'a\tb', 'a\\tb'],
    ['other control characters, as \\u escapes', 'bell\u0007 esc\u001b[31m nul\u0000', 'bell\\u0007 esc\\u001b[31m nul\\u0000'],
    ['C1 controls and the Unicode line separators', 'a\u0085b\u2028c\u2029d', 'a\\u0085b\\u2028c\\u2029d'],
    ['ordinary text, unchanged', 'AADSTS700016: Application not found', 'AADSTS700016: Application not found'],
    ['unicode letters, unchanged', 'Zürich 東京', 'Zürich 東京']
  ])('escapes %s', (_, text, shown) => {
    expect(externalText(text)).toBe(shown);
  });

  it('replaces known secrets before escaping', () => {
    expect(externalText('secret S3cr3t was wrong\n', { redact: text => text.replace('S3cr3t', '***') })).toBe('secret *** was wrong\\n');
  });

  it('cuts a long text to a readable length, and says so', () => {
    expect(externalText('x'.repeat(400))).toBe(`${'x'.repeat(300)}… (cut)`);
    expect(externalText('abcdef', { maxLength: 3 })).toBe('abc… (cut)');
  });
});
