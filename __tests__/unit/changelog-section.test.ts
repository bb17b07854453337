/** scripts/changelog-section.mjs: the release notes the release workflow publishes, cut from CHANGELOG.md. */
import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { changelogSection } from '../../scripts/changelog-section.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCRIPT = path.join(ROOT, 'scripts', 'changelog-section.mjs');

const CHANGELOG = `# Changelog

All notable changes to this project are documented in this file.

## [Unreleased]

### Fixed

- Something not released yet.

## [1.1.0] - 2027-02-03

### Added

- A new input.

### Fixed

- An old bug.

## [1.0.0] - 2026-12-01

### Added

- Everything.

[Unreleased]: https://github.com/OWNER/azure-token/compare/v1.1.0...HEAD
[1.1.0]: https://github.com/OWNER/azure-token/compare/v1.0.0...v1.1.0
[1.0.0]: https://github.com/OWNER/azure-token/releases/tag/v1.0.0
`;

/** Runs the script as the release workflow does: [exit code, stdout, stderr]. */
function run(args: string[], cwd = ROOT): [number, string, string] {
  try {
    return [0, execFileSync(process.execPath, [SCRIPT, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }), ''];
  } catch (error) {
    const failed = error as { status: number; stdout: string; stderr: string };
    return [failed.status, failed.stdout, failed.stderr];
  }
}

describe('changelogSection', () => {
  it('returns a middle section up to the next heading, its date apart', () => {
    expect(changelogSection(CHANGELOG, '1.1.0')).toEqual({
      date: '2027-02-03',
      body: '### Added\n\n- A new input.\n\n### Fixed\n\n- An old bug.'
    });
  });

  it('stops the last section at the link references', () => {
    expect(changelogSection(CHANGELOG, '1.0.0')).toEqual({ date: '2026-12-01', body: '### Added\n\n- Everything.' });
  });

  it('reads CRLF line endings', () => {
    expect(changelogSection(CHANGELOG.replace(/\n/g, '\r\n'), '1.0.0').body).toBe('### Added\n\n- Everything.');
  });

  it.each([
    [
      'a version with no section',
      CHANGELOG,
      '1.2.0',
      "CHANGELOG.md has no section for 1.2.0: add '## [1.2.0] - YYYY-MM-DD' with its changes."
    ],
    [
      'a prefix of a version that has one',
      CHANGELOG,
      '1.1',
      "CHANGELOG.md has no section for 1.1: add '## [1.1] - YYYY-MM-DD' with its changes."
    ],
    [
      'Unreleased, which has no date',
      CHANGELOG,
      'Unreleased',
      "CHANGELOG.md's section for Unreleased has no release date: write its heading as '## [Unreleased] - YYYY-MM-DD'."
    ],
    [
      'a section not dated yet',
      CHANGELOG.replace('## [1.1.0] - 2027-02-03', '## [1.1.0] - TBD'),
      '1.1.0',
      "CHANGELOG.md's section for 1.1.0 has no release date: write its heading as '## [1.1.0] - YYYY-MM-DD'."
    ],
    [
      'an empty section',
      CHANGELOG.replace('### Added\n\n- A new input.\n\n### Fixed\n\n- An old bug.\n', ''),
      '1.1.0',
      "CHANGELOG.md's section for 1.1.0 is empty: list what changed."
    ]
  ])('refuses %s', (_case, changelog, version, message) => {
    expect(() => changelogSection(changelog, version)).toThrow(message);
  });
});

describe('node scripts/changelog-section.mjs', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'changelog-'));
  const file = path.join(dir, 'CHANGELOG.md');
  fs.writeFileSync(file, CHANGELOG);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints the section of a version given as the tag (v1.1.0), with one newline at the end', () => {
    expect(run(['v1.1.0', file])).toEqual([0, '### Added\n\n- A new input.\n\n### Fixed\n\n- An old bug.\n', '']);
  });

  it('fails with one line on stderr, printing nothing, when the version has no section', () => {
    expect(run(['1.2.0', file])).toEqual([
      1,
      '',
      "CHANGELOG.md has no section for 1.2.0: add '## [1.2.0] - YYYY-MM-DD' with its changes.\n"
    ]);
  });

  it('reads CHANGELOG.md in the working directory by default', () => {
    expect(run(['1.0.0'], dir)).toEqual([0, '### Added\n\n- Everything.\n', '']);
  });

  it('without a version, prints its usage and exits 2', () => {
    expect(run([])).toEqual([2, '', 'usage: node scripts/changelog-section.mjs VERSION [CHANGELOG.md]\n']);
  });

  it("CHANGELOG.md has an Unreleased section and one for package.json's version", () => {
    const version = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    const changelog = fs.readFileSync(path.join(ROOT, 'CHANGELOG.md'), 'utf8');
    expect(changelog).toContain(`## [${version}]`);
    expect(changelog).toContain('## [Unreleased]');
  });
});
