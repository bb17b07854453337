/**
 * The manual renders as written and its samples are true:
 * - every page (README.md, the other top-level *.md, docs/*.md) parses as GitHub renders it,
 *   with no stray text (an HTML comment's `-->` without its `<!--`, or an unclosed `<!--` that
 *   swallows the rest of the page) and no raw HTML but whole comments;
 * - every relative link names a file that exists, and every `#anchor` one that a heading of
 *   its page generates (GitHub's slugs);
 * - every block marked `<!-- sample: NAME -->` is exactly what the action prints (docs-samples.ts
 *   produces it by running the main step), and every sample there is shown somewhere.
 *
 * To see what a sample produces now: DOCS_SAMPLES_OUT=/tmp/samples.md and run this file; it
 * writes every sample there, each under its name.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Lexer, type Token, type Tokens } from 'marked';
import nock from 'nock';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SAMPLES } from './docs-samples.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The pages of the manual, relative to the repository's root. */
const PAGES = [
  ...fs.readdirSync(ROOT).filter(file => file.endsWith('.md')),
  ...fs
    .readdirSync(path.join(ROOT, 'docs'))
    .filter(file => file.endsWith('.md'))
    .map(file => `docs/${file}`)
].sort();

const lexed = new Map<string, Token[]>();
function tokensOf(page: string): Token[] {
  let tokens = lexed.get(page);
  if (!tokens) {
    tokens = new Lexer({ gfm: true }).lex(fs.readFileSync(path.join(ROOT, page), 'utf8'));
    lexed.set(page, tokens);
  }
  return tokens;
}

/** Every token of a page, depth first: blocks, list items, table cells, inline tokens. */
function* walk(tokens: readonly Token[]): Generator<Token> {
  for (const token of tokens) {
    yield token;
    const nested = token as {
      tokens?: Token[];
      items?: Token[];
      header?: Array<{ tokens: Token[] }>;
      rows?: Array<Array<{ tokens: Token[] }>>;
    };
    if (nested.tokens) yield* walk(nested.tokens);
    if (nested.items) yield* walk(nested.items);
    for (const cell of nested.header ?? []) yield* walk(cell.tokens);
    for (const row of nested.rows ?? []) for (const cell of row) yield* walk(cell.tokens);
  }
}

/** The text a heading shows: code spans and links as their text. */
function plainText(tokens: readonly Token[]): string {
  return tokens
    .map(token => {
      const nested = (token as { tokens?: Token[] }).tokens;
      if (nested && token.type !== 'text') return plainText(nested);
      return decodeEntities((token as { text?: string }).text ?? '');
    })
    .join('');
}

function decodeEntities(text: string): string {
  return text
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens; repeats get -1, -2, ... */
function anchorsOf(page: string): string[] {
  const seen = new Map<string, number>();
  const anchors: string[] = [];
  for (const token of tokensOf(page)) {
    if (token.type !== 'heading') continue;
    const base = plainText((token as Tokens.Heading).tokens)
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.push(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

const WHOLE_COMMENT = /^<!--(?:(?!-->)[\s\S])*-->\s*$/;

describe.each(PAGES)('%s', page => {
  it('has no stray comment text and no raw HTML but whole comments', () => {
    const problems: string[] = [];
    for (const token of walk(tokensOf(page))) {
      if (token.type === 'html') {
        const raw = (token as Tokens.HTML).raw;
        if (!WHOLE_COMMENT.test(raw.trim())) problems.push(`raw HTML or an unclosed comment: ${raw.trim().slice(0, 80)}`);
      } else if (token.type === 'text' && !(token as Tokens.Text).tokens) {
        const text = (token as Tokens.Text).text;
        if (/-->|<!--/.test(text)) problems.push(`stray comment text: ${text.trim().slice(0, 80)}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('links only to files that exist and to anchors that a heading generates', () => {
    const broken: string[] = [];
    for (const token of walk(tokensOf(page))) {
      if (token.type !== 'link' && token.type !== 'image') continue;
      const href = (token as Tokens.Link).href;
      if (/^[a-z][a-z0-9+.-]*:/i.test(href)) continue;
      const [target = '', anchor] = href.split('#');
      const file = target === '' ? page : path.posix.normalize(path.posix.join(path.posix.dirname(page), decodeURI(target)));
      if (!fs.existsSync(path.join(ROOT, file))) {
        broken.push(`${href}: no file ${file}`);
        continue;
      }
      if (anchor !== undefined && file.endsWith('.md') && !anchorsOf(file).includes(anchor))
        broken.push(`${href}: no heading makes #${anchor} in ${file}`);
    }
    expect(broken).toEqual([]);
  });
});

// ── samples ──────────────────────────────────────────────────────────────────────────────

interface SampleUse {
  readonly page: string;
  readonly name: string;
  /** The marked block as written: a fenced block's content, or a table's source. */
  readonly shown: string | undefined;
}

const MARKER = /^<!--\s*sample:\s*([a-z0-9-]+)\s*-->\s*$/;

function sampleUses(): SampleUse[] {
  const uses: SampleUse[] = [];
  for (const page of PAGES) {
    const blocks = tokensOf(page).filter(token => token.type !== 'space');
    blocks.forEach((token, at) => {
      const name = token.type === 'html' ? MARKER.exec((token as Tokens.HTML).raw.trim())?.[1] : undefined;
      if (name === undefined) return;
      const next = blocks[at + 1];
      const shown = next?.type === 'code' ? (next as Tokens.Code).text : next?.type === 'table' ? next.raw.trimEnd() : undefined;
      uses.push({ page, name, shown });
    });
  }
  return uses;
}

const USES = sampleUses();
const produced = new Map<string, Promise<string>>();
/** Samples run one after another: each sets up its own nock interceptors and cleans them away. */
let queue: Promise<unknown> = Promise.resolve();
function sample(name: string): Promise<string> {
  let text = produced.get(name);
  if (!text) {
    const make = SAMPLES[name];
    if (!make) throw new Error(`no sample named '${name}' in __tests__/unit/docs-samples.ts`);
    text = queue.then(async () => {
      try {
        return await make();
      } finally {
        nock.cleanAll();
      }
    });
    queue = text.catch(() => undefined);
    produced.set(name, text);
  }
  return text;
}

describe('samples of the action output in the docs', () => {
  beforeAll(() => nock.disableNetConnect());
  afterAll(async () => {
    const out = process.env['DOCS_SAMPLES_OUT'];
    if (out) {
      const all: string[] = [];
      for (const name of Object.keys(SAMPLES)) all.push(`<!-- sample: ${name} -->\n\`\`\`text\n${await sample(name)}\n\`\`\`\n`);
      fs.writeFileSync(out, all.join('\n'));
    }
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it('marks a fenced block or a table after each marker', () => {
    expect(USES.filter(use => use.shown === undefined).map(use => `${use.page}: ${use.name}`)).toEqual([]);
  });

  it('shows every sample that docs-samples.ts produces', () => {
    const shown = new Set(USES.map(use => use.name));
    expect(Object.keys(SAMPLES).filter(name => !shown.has(name))).toEqual([]);
  });

  it.each(USES.map(use => [use.page, use.name, use] as const))('%s: %s is what the action prints', async (_page, name, use) => {
    expect(use.shown).toBe(await sample(name));
  });
});

describe('README.md', () => {
  it('stays under 45 KB: depth goes to docs/', () => {
    expect(fs.statSync(path.join(ROOT, 'README.md')).size).toBeLessThan(45 * 1024);
  });
});
