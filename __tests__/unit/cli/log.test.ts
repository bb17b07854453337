import { describe, expect, it } from '@jest/globals';
import { cliLog, neutralizeCommands } from '../../../src/cli/log.js';
import { createMasker } from '../../../src/core/masking.js';

function logged(options: { quiet?: boolean; verbose?: boolean } = {}): { text: () => string; log: ReturnType<typeof cliLog> } {
  const chunks: string[] = [];
  const masker = createMasker(() => {});
  masker.mask('hunter2-secret');
  const log = cliLog(text => chunks.push(text), {
    quiet: options.quiet ?? false,
    verbose: options.verbose ?? false,
    redact: text => masker.redact(text)
  });
  return { text: () => chunks.join(''), log };
}

function everyLevel(log: ReturnType<typeof cliLog>): void {
  log.debug('a request');
  log.info('signed in');
  log.notice('skipped two');
  log.warning('expired');
  log.error('failed\nbecause');
}

describe('cliLog', () => {
  it.each([
    ['by default: all but debug', {}, 'signed in\nnotice: skipped two\nwarning: expired\nerror: failed\nbecause\n'],
    [
      '--verbose: debug lines too',
      { verbose: true },
      'debug: a request\nsigned in\nnotice: skipped two\nwarning: expired\nerror: failed\nbecause\n'
    ],
    ['--quiet: errors only', { quiet: true }, 'error: failed\nbecause\n'],
    ['--quiet wins over AZURE_TOKEN_DEBUG', { quiet: true, verbose: true }, 'error: failed\nbecause\n']
  ])('%s', (_name, options, expected) => {
    const { text, log } = logged(options);
    everyLevel(log);
    expect(text()).toBe(expected);
  });

  it('replaces every known secret, at every level', () => {
    const { text, log } = logged({ verbose: true });
    log.debug('x hunter2-secret');
    log.info('hunter2-secret');
    log.error('a\nhunter2-secret');
    expect(text()).toBe('debug: x ***\n***\nerror: a\n***\n');
  });

  it('never starts a line with a workflow command, on any line of a message', () => {
    const { text, log } = logged();
    log.info('::add-mask::x');
    log.error('failed\n  ::set-output name=a::b\r::stop-commands::t');
    expect(text()).toBe('\\:\\:add-mask::x\nerror: failed\n  \\:\\:set-output name=a::b\r\\:\\:stop-commands::t\n');
  });
});

describe('neutralizeCommands', () => {
  it.each([
    ['::warning::x', '\\:\\:warning::x'],
    ['a ::b', 'a ::b'],
    ['\t::x', '\t\\:\\:x'],
    ['x\r\n::y', 'x\r\n\\:\\:y']
  ])('%j', (text, expected) => {
    expect(neutralizeCommands(text)).toBe(expected);
  });
});
