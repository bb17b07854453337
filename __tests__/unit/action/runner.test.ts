import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { actionsRunner, neutralizeCommands, type Runner } from '../../../src/action/runner.js';

describe('actionsRunner', () => {
  let printed: string[];
  let directory: string;
  beforeEach(() => {
    printed = [];
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-files-'));
    jest.spyOn(process.stdout, 'write').mockImplementation(chunk => {
      printed.push(String(chunk));
      return true;
    });
  });
  afterEach(() => {
    jest.restoreAllMocks();
    fs.rmSync(directory, { recursive: true, force: true });
  });

  it.each<[string, (runner: Runner) => void, string]>([
    [
      'setOutputs',
      runner => runner.setOutputs([['access-token', 'the-token']]),
      'GITHUB_OUTPUT is not set, so the action cannot set outputs'
    ],
    [
      'exportVariables',
      runner => runner.exportVariables([['DB_PASSWORD', 'the-secret']]),
      'GITHUB_ENV is not set, so the action cannot export environment variables'
    ],
    [
      'saveState',
      runner => runner.saveState('token-file', '/tmp/token'),
      'GITHUB_STATE is not set, so the action cannot save state for its post step'
    ]
  ])('refuses %s without its file, and prints nothing', (_, call, message) => {
    expect(() => call(actionsRunner({}))).toThrow(message);
    expect(printed.join('')).toBe('');
  });

  it('refuses a runner file that does not exist', () => {
    const missing = path.join(directory, 'missing');
    expect(() => actionsRunner({ GITHUB_OUTPUT: missing }).setOutputs([['a', 'b']])).toThrow(
      `GITHUB_OUTPUT names ${missing}, which does not exist, so the action cannot set outputs.`
    );
  });

  it('writes every output to the GITHUB_OUTPUT file in one go, as heredocs, never to the log', () => {
    const outputFile = path.join(directory, 'output');
    fs.writeFileSync(outputFile, '');
    actionsRunner({ GITHUB_OUTPUT: outputFile }).setOutputs([
      ['access-token', 'the-token'],
      ['PEM', 'line one\nline two']
    ]);
    expect(fs.readFileSync(outputFile, 'utf8')).toMatch(
      /^access-token<<(ghadelimiter_[\w-]+)\nthe-token\n\1\nPEM<<(ghadelimiter_[\w-]+)\nline one\nline two\n\2\n$/
    );
    expect(printed.join('')).toBe('');
  });

  it('writes nothing for no entries', () => {
    const envFile = path.join(directory, 'env');
    fs.writeFileSync(envFile, '');
    actionsRunner({ GITHUB_ENV: envFile }).exportVariables([]);
    expect(fs.readFileSync(envFile, 'utf8')).toBe('');
  });
});

describe('neutralizeCommands: the net under text logged with info', () => {
  it.each<[string, string, string]>([
    ['a line starting a workflow command', 'ok\n::save-state name=x::y', 'ok\n\\:\\:save-state name=x::y'],
    ['one after spaces (the runner trims them)', 'ok\n   ::add-mask::x', 'ok\n   \\:\\:add-mask::x'],
    ['one after a lone CR', 'ok\r::warning::x', 'ok\r\\:\\:warning::x'],
    ['the first line', '::error::x', '\\:\\:error::x'],
    ['ordinary text, unchanged', 'Token for https://x expires at 12:00::00', 'Token for https://x expires at 12:00::00']
  ])('neutralizes %s', (_, message, shown) => {
    expect(neutralizeCommands(message)).toBe(shown);
  });
});
