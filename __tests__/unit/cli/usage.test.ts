/** --help and docs/command-line.md: every flag the parser knows, and every variable the command line reads, in both. */
import { describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import { FLAGS, parseFlags } from '../../../src/cli/flags.js';
import { usageText, VARIABLES } from '../../../src/cli/usage.js';

const docs = fs.readFileSync(new URL('../../../docs/command-line.md', import.meta.url), 'utf8');
const help = usageText();

/** Every variable named in the table and the flags' fallbacks: `IDENTITY_ENDPOINT, IDENTITY_HEADER` is two. */
const variables = [
  ...new Set(
    [...VARIABLES.map(([name]) => name), ...FLAGS.flatMap(flag => (flag.env ? [flag.env] : []))]
      .flatMap(name => name.split(/,\s*/))
      .map(name => name.replace(/=.*$/, ''))
  )
];

/** The rows of the docs' Flags table: `--name VALUE` as written in its first cell. */
function docsFlagRows(): string[] {
  const section = docs.split('\n## Flags\n')[1]?.split('\n## ')[0] ?? '';
  return [...section.matchAll(/^\| `(--[a-z-]+)(?: ([^`]+))?` \|/gm)].map(
    match => `${match[1]}${match[2] ? ` ${match[2].replace(/\\\|/g, '|')}` : ''}`
  );
}

describe('--help', () => {
  it.each(FLAGS.map(flag => flag.name))('lists --%s', name => {
    expect(help).toMatch(new RegExp(`^  --${name}\\b`, 'm'));
    expect(help).toContain(`[--${name}`);
  });

  it.each(variables)('names %s', variable => {
    expect(help).toContain(variable);
  });

  it('keeps within 100 columns', () => {
    expect(help.split('\n').filter(line => line.length > 100)).toEqual([]);
  });

  it('lists only flags the parser accepts, in its order', () => {
    const listed = [...help.matchAll(/^ {2}(--[a-z-]+)/gm)].map(match => match[1] as string);
    expect(listed).toEqual(FLAGS.map(flag => `--${flag.name}`));
    expect(() => parseFlags(['--help', '--version', '--quiet', '--replace', '--output', 'json'])).not.toThrow();
  });
});

describe('docs/command-line.md', () => {
  it('has a row in its Flags table for every flag, in the parser order, with the same value placeholder', () => {
    expect(docsFlagRows()).toEqual(FLAGS.map(flag => `--${flag.name}${flag.value ? ` ${flag.value}` : ''}`));
  });

  it.each(variables)('explains %s', variable => {
    expect(docs).toContain(`\`${variable}\``);
  });

  it('opens with a summary of ten lines', () => {
    const [title, blank, ...rest] = docs.split('\n');
    expect(title).toBe('# The command line: `azure-token`');
    expect(blank).toBe('');
    expect(rest.slice(0, 10).every(line => line.startsWith('- '))).toBe(true);
    expect(rest[10]).toBe('');
  });

  it('shows the same synopsis flags as --help', () => {
    for (const flag of FLAGS) expect(docs).toContain(`--${flag.name}`);
  });
});
