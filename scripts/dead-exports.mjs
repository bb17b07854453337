/**
 * `node scripts/dead-exports.mjs`: fails on every export of src/ that nothing outside its own
 * file uses (neither another source file nor a test), so the modules' surfaces stay what they
 * are used for. Exports used only by tests are listed with --verbose. Uses the TypeScript
 * compiler's own reference search over tsconfig.test.json (src/ and __tests__/), so nothing is
 * matched by name. Entry points (the files ncc bundles) export nothing and are skipped.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const verbose = process.argv.includes('--verbose');

const configFile = ts.readConfigFile(path.join(root, 'tsconfig.test.json'), ts.sys.readFile);
const parsed = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root);
const files = parsed.fileNames;
const versions = new Map(files.map(file => [file, '0']));
const service = ts.createLanguageService({
  getScriptFileNames: () => files,
  getScriptVersion: file => versions.get(file) ?? '0',
  getScriptSnapshot: file => (ts.sys.fileExists(file) ? ts.ScriptSnapshot.fromString(ts.sys.readFile(file) ?? '') : undefined),
  getCurrentDirectory: () => root,
  getCompilationSettings: () => parsed.options,
  getDefaultLibFileName: options => ts.getDefaultLibFilePath(options),
  fileExists: ts.sys.fileExists,
  readFile: ts.sys.readFile,
  readDirectory: ts.sys.readDirectory
});
const program = service.getProgram();
const checker = program.getTypeChecker();
const sourceDir = `${path.join(root, 'src')}${path.sep}`;
const testDir = `${path.join(root, '__tests__')}${path.sep}`;

const dead = [];
const testOnly = [];
for (const source of program.getSourceFiles()) {
  if (!path.resolve(source.fileName).startsWith(sourceDir)) continue;
  const moduleSymbol = checker.getSymbolAtLocation(source);
  if (!moduleSymbol) continue;
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const declaration = exported.declarations?.[0];
    // Re-exports (`export type { X } from`) are the other module's export.
    if (!declaration || path.resolve(declaration.getSourceFile().fileName) !== path.resolve(source.fileName)) continue;
    const name = ts.getNameOfDeclaration(declaration) ?? declaration;
    const references = service.findReferences(source.fileName, name.getStart()) ?? [];
    const elsewhere = references
      .flatMap(group => group.references)
      .map(reference => path.resolve(reference.fileName))
      .filter(file => file !== path.resolve(source.fileName));
    const where = `${path.relative(root, source.fileName)}: ${exported.getName()}`;
    if (elsewhere.length === 0) dead.push(where);
    else if (elsewhere.every(file => file.startsWith(testDir))) testOnly.push(where);
  }
}

if (verbose && testOnly.length > 0)
  console.log(`Exported for the tests only (${testOnly.length}):\n${testOnly.map(line => `  ${line}`).join('\n')}`);
if (dead.length > 0) {
  console.error(
    `Exports nothing outside their own file uses (${dead.length}): remove the export, or the code.\n${dead.map(line => `  ${line}`).join('\n')}`
  );
  process.exit(1);
}
console.log(
  `dead-exports: every export of src/ is used elsewhere${verbose ? '' : ` (${testOnly.length} only by tests; --verbose lists them)`}.`
);
