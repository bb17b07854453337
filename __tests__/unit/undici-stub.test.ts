/**
 * stubs/undici stands in for undici in the bundle (tsconfig.json `paths`, honoured by ncc; the
 * unit project maps it the same way in jest.config.js) while node_modules keeps the real one.
 * @actions/http-client imports undici only for getAgentDispatcher(), which the action never
 * calls, and loading the real one cost ~45 ms at every start (npm run bench, start-up row).
 *
 * ncc compiles a named import the stub lacks to `undefined` without a word, so a future
 * http-client that took more from undici would break users behind a proxy silently. These tests
 * fail first: when http-client imports anything else from undici, uses it anywhere but the
 * dispatcher path, when src/ starts calling that path, or when dist/ holds undici's own code.
 * (Proxied requests themselves are exercised through dist/ by the e2e tests that set HTTPS_PROXY.)
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { HttpClient } from '@actions/http-client';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProxyAgent } from 'undici';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const STUB_ERROR = 'azure-token bundles no undici: HttpClient.getAgentDispatcher() is not supported.';

/** Every .js file under a directory (node_modules/@actions packages nest none of their own). */
function jsFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter(file => /\.(c|m)?js$/.test(file))
    .map(file => path.join(dir, file));
}

/** Every import of undici in the packages the bundle takes from node_modules/@actions, as [file, statement]. */
function undiciImports(): Array<[string, string]> {
  const importsOf = /(?:import\s[^'";]*?\sfrom\s*|import\s*\(\s*|require\s*\(\s*|export\s[^'";]*?\sfrom\s*)['"]undici(?:\/[^'"]*)?['"]/g;
  const actions = path.join(ROOT, 'node_modules', '@actions');
  return jsFiles(actions).flatMap(file =>
    [...fs.readFileSync(file, 'utf8').matchAll(importsOf)].map(
      match => [path.relative(actions, file).split(path.sep).join('/'), match[0].replace(/\s+/g, ' ')] as [string, string]
    )
  );
}

/** The methods of a class body indented by four spaces, as name → source text. */
function methodsOf(source: string): Map<string, string> {
  const starts = [...source.matchAll(/^ {4}(?:async )?([A-Za-z_$][\w$]*)\([^)]*\) \{$/gm)];
  return new Map(starts.map((start, at) => [start[1] as string, source.slice(start.index, starts[at + 1]?.index ?? source.length)]));
}

describe('the undici stand-in', () => {
  const saved = process.env['HTTPS_PROXY'];
  afterEach(() => {
    if (saved === undefined) delete process.env['HTTPS_PROXY'];
    else process.env['HTTPS_PROXY'] = saved;
  });

  it('is what unit tests get for undici, and its ProxyAgent refuses to exist', () => {
    expect(() => new ProxyAgent()).toThrow(STUB_ERROR);
  });

  it("fails HttpClient.getAgentDispatcher() with that message when a proxy is set (the action's requests use http-client's own agents)", () => {
    process.env['HTTPS_PROXY'] = 'http://127.0.0.1:3128';
    const client = new HttpClient('azure-token');
    expect(() => client.getAgentDispatcher('https://my-vault.vault.azure.net')).toThrow(STUB_ERROR);
  });

  it('is what the build maps undici to (tsconfig.json paths), while node_modules has the real undici', () => {
    const tsconfig = fs.readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8');
    expect(tsconfig).toContain('"paths": { "undici": ["./stubs/undici/index.js"] }');
    const installed = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', 'undici', 'package.json'), 'utf8')) as { version: string };
    expect(installed.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it.each(['main', 'post'])('dist/%s holds no undici code', entry => {
    const bundle = fs.readFileSync(path.join(ROOT, 'dist', entry, 'index.js'), 'utf8');
    // Every undici error code starts UND_ERR_; its modules would be named after node_modules/undici.
    expect(bundle).not.toMatch(/UND_ERR_|node_modules\/undici\//);
  });

  it('dist/main, whose requests go through HttpClient, holds the stand-in', () => {
    // (dist/post uses no HttpClient, so webpack keeps no binding for ProxyAgent there.)
    expect(fs.readFileSync(path.join(ROOT, 'dist', 'main', 'index.js'), 'utf8')).toContain('CONCATENATED MODULE: ./stubs/undici/index.js');
  });
});

describe('what @actions/http-client takes from undici', () => {
  it('is ProxyAgent alone, imported once, and the stand-in exports it', async () => {
    expect(undiciImports()).toEqual([['http-client/lib/index.js', "import { ProxyAgent } from 'undici'"]]);
    const stub = (await import('../../stubs/undici/index.js')) as Record<string, unknown>;
    expect(Object.keys(stub)).toEqual(['ProxyAgent']);
  });

  it('uses it only on the getAgentDispatcher() path', () => {
    const source = fs.readFileSync(path.join(ROOT, 'node_modules', '@actions', 'http-client', 'lib', 'index.js'), 'utf8');
    const methods = methodsOf(source);
    const using = (name: string): string[] =>
      [...methods].filter(([, body]) => new RegExp(`\\b${name}\\b`).test(body)).map(([method]) => method);
    expect(using('ProxyAgent')).toEqual(['_getProxyAgentDispatcher']);
    // Outside the class (module scope), ProxyAgent appears only in its import.
    const outside = source.split('\n').filter(line => /\bProxyAgent\b/.test(line) && !/^ {4}/.test(line));
    expect(outside).toEqual(["import { ProxyAgent } from 'undici';"]);
    expect(using('_getProxyAgentDispatcher').filter(method => method !== '_getProxyAgentDispatcher')).toEqual(['getAgentDispatcher']);
    // ...and no method of http-client's own calls getAgentDispatcher(): only its users can.
    expect(using('getAgentDispatcher')).toEqual(['getAgentDispatcher']);
  });

  it('on a path src/ never takes: nothing under src/ calls getAgentDispatcher()', () => {
    const src = path.join(ROOT, 'src');
    const callers = fs
      .readdirSync(src, { recursive: true, encoding: 'utf8' })
      .filter(file => file.endsWith('.ts') && /\bgetAgentDispatcher\b/.test(fs.readFileSync(path.join(src, file), 'utf8')));
    expect(callers).toEqual([]);
  });
});
