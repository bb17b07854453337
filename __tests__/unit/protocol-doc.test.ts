/**
 * docs/protocol.md is what source comments cite for wire details (`docs/protocol.md#3-managed-identity`):
 * every citation in the repository must name a heading that exists, and the anchors citations
 * use must stay put when the page is edited.
 */
import { describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const doc = fs.readFileSync(path.join(ROOT, 'docs', 'protocol.md'), 'utf8');

/** The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

const anchors = [...doc.matchAll(/^#{2,6} (.+)$/gm)].map(match => anchorOf(match[1] as string));

/** Every citation of the page (its path, `#`, an anchor) in the repository's sources, tests and docs, as "file: anchor". */
function citations(): string[] {
  const found: string[] = [];
  for (const top of ['src', 'test', '__tests__', 'bench', 'docs', 'README.md', 'CONTRIBUTING.md', 'SECURITY.md']) {
    const start = path.join(ROOT, top);
    if (!fs.existsSync(start)) continue;
    const files = fs.statSync(start).isDirectory()
      ? fs.readdirSync(start, { recursive: true, encoding: 'utf8' }).map(file => path.join(start, file))
      : [start];
    for (const file of files) {
      if (file.includes(`${path.sep}node_modules${path.sep}`) || !/\.(ts|js|mjs|cjs|md)$/.test(file)) continue;
      for (const match of fs.readFileSync(file, 'utf8').matchAll(/protocol\.md#([\w-]+)/g)) {
        found.push(`${path.relative(ROOT, file).split(path.sep).join('/')}: ${match[1]}`);
      }
    }
  }
  return found;
}

describe('docs/protocol.md', () => {
  it('has no two headings with one anchor', () => {
    expect(anchors.filter((anchor, at) => anchors.indexOf(anchor) !== at)).toEqual([]);
  });

  it.each([
    '1-github-actions-oidc',
    'oidc-token-request',
    'oidc-token-lifetime',
    'oidc-claims-and-subjects',
    '2-entra-id-v2-token-endpoint',
    'token-request',
    'certificate-assertion',
    'token-response',
    'entra-id-errors',
    'the-v1-endpoint',
    'clouds',
    '3-managed-identity',
    'managed-identity-sources',
    'managed-identity-responses',
    'managed-identity-retries-and-probing',
    'aks-workload-identity',
    '4-azure-cli',
    'azure-cli-command',
    'azure-cli-output',
    'azure-cli-errors',
    '5-key-vault-secrets',
    'get-a-secret',
    'list-secrets',
    'key-vault-errors',
    'challenge-authentication',
    'names-and-dns',
    'throttling',
    'managed-hsm',
    '6-retry-and-refresh-defaults',
    'token-requests-in-the-sdk',
    'msal-client-side-throttling',
    'token-refresh'
  ])('keeps the anchor #%s that citations use', anchor => {
    expect(anchors).toContain(anchor);
  });

  it('resolves every citation of it in the repository', () => {
    expect(citations().filter(citation => !anchors.includes(citation.split(': ')[1] as string))).toEqual([]);
  });
});
