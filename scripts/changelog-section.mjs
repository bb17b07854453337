#!/usr/bin/env node
/**
 * Prints the CHANGELOG.md section of one version: the release notes, so the changelog is their
 * one source. Used by .github/workflows/release.yml; zero dependencies.
 *
 *   node scripts/changelog-section.mjs 1.2.0 [CHANGELOG.md]
 *
 * A section is everything between `## [1.2.0] - YYYY-MM-DD` and the next `## ` heading (or the
 * link references at the end). It fails (exit 1, one line on stderr) when the version has no
 * section, when the section has no date yet, or when it is empty: a release never goes out
 * with notes that are missing or still marked unreleased.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The section of `version` in a Keep a Changelog text, as its date and its body (trimmed, the
 * heading left out). Throws an Error saying what is wrong.
 * @param {string} changelog
 * @param {string} version
 * @returns {{ date: string, body: string }}
 */
export function changelogSection(changelog, version) {
  const lines = changelog.split(/\r?\n/);
  const at = lines.findIndex(line => headingVersion(line) === version);
  if (at === -1) throw new Error(`CHANGELOG.md has no section for ${version}: add '## [${version}] - YYYY-MM-DD' with its changes.`);
  const heading = /** @type {string} */ (lines[at]);
  const date = /^## \[[^\]]+\] - (\d{4}-\d{2}-\d{2})\s*$/.exec(heading)?.[1];
  if (date === undefined)
    throw new Error(`CHANGELOG.md's section for ${version} has no release date: write its heading as '## [${version}] - YYYY-MM-DD'.`);
  const rest = lines.slice(at + 1);
  const end = rest.findIndex(line => line.startsWith('## ') || /^\[[^\]]+\]:\s/.test(line));
  const body = (end === -1 ? rest : rest.slice(0, end)).join('\n').trim();
  if (body === '') throw new Error(`CHANGELOG.md's section for ${version} is empty: list what changed.`);
  return { date, body };
}

/** The version a `## [x]` heading names, or undefined for any other line. */
function headingVersion(line) {
  return /^## \[([^\]]+)\]/.exec(line)?.[1];
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [version, file = 'CHANGELOG.md'] = process.argv.slice(2);
  if (!version) {
    console.error('usage: node scripts/changelog-section.mjs VERSION [CHANGELOG.md]');
    process.exit(2);
  }
  try {
    process.stdout.write(`${changelogSection(fs.readFileSync(file, 'utf8'), version.replace(/^v/, '')).body}\n`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
