/** The README is the user's manual: its inputs and outputs tables must match action.yml exactly. */
import { describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';

const actionYml = fs.readFileSync(new URL('../../action.yml', import.meta.url), 'utf8');
const readme = fs.readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** Names declared under a top-level key of action.yml (`inputs:` or `outputs:`), in order. */
function declared(section: string): string[] {
  const body = new RegExp(`^${section}:\\n((?:[ \\t]+.*\\n|\\n)*)`, 'm').exec(actionYml)?.[1] ?? '';
  return [...body.matchAll(/^ {2}([a-z][a-z-]*):\s*$/gm)].map(match => match[1] as string);
}

/** Default of one input in action.yml, or '' when it has none. */
function declaredDefault(input: string): string {
  const block = new RegExp(`^ {2}${input}:\\n((?: {4}.*\\n)*)`, 'm').exec(actionYml)?.[1] ?? '';
  return /^ {4}default:\s*'?([^'\n]*)'?\s*$/m.exec(block)?.[1] ?? '';
}

/** Rows of the README table that follows a heading: [first cell without backticks, second cell]. */
function tableRows(heading: string): Array<[string, string]> {
  const start = readme.indexOf(`\n## ${heading}\n`);
  expect(start).toBeGreaterThan(-1);
  const section = readme.slice(start + 1).split(/\n## /)[0] as string;
  const rows = section.split('\n').filter(line => /^\| `[a-z-]+` \|/.test(line));
  return rows.map(line => {
    const cells = line.split(/(?<!\\)\|/).map(cell => cell.trim());
    return [(cells[1] as string).replace(/`/g, ''), (cells[2] as string).replace(/`/g, '')];
  });
}

describe('README', () => {
  it('lists exactly the inputs action.yml declares, in the same order', () => {
    expect(tableRows('Inputs').map(([name]) => name)).toEqual(declared('inputs'));
  });

  it('lists exactly the outputs action.yml declares, in the same order', () => {
    expect(tableRows('Outputs').map(([name]) => name)).toEqual(declared('outputs'));
  });

  it.each(declared('inputs').filter(input => declaredDefault(input) !== ''))(
    "shows the default of '%s' that action.yml declares",
    input => {
      const row = tableRows('Inputs').find(([name]) => name === input);
      expect(row?.[1]).toBe(declaredDefault(input));
    }
  );

  // The contract lives beside the repository on the team's machines, not in a GitHub checkout.
  const contractFile = new URL('../../../shared/spec/action.md', import.meta.url);
  (fs.existsSync(contractFile) ? it : it.skip)('declares every input and output of the contract', () => {
    const contract = fs.readFileSync(contractFile, 'utf8');
    const names = (heading: string): string[] => {
      const section = contract.split(`\n## ${heading}\n`)[1]?.split('\n## ')[0] ?? '';
      return [...section.matchAll(/^\| `([a-z-]+)` \|/gm)].map(match => match[1] as string);
    };
    expect(declared('inputs')).toEqual(names('Inputs'));
    expect(declared('outputs')).toEqual(names('Outputs'));
  });
});
