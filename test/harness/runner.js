/**
 * Runs the built action the way the GitHub runner does: INPUT_* from action.yml defaults and
 * the given inputs, fresh file-command files (GITHUB_OUTPUT, GITHUB_ENV, GITHUB_STATE, ...), a
 * clean environment, `node <entry>` without a shell, then the post step with STATE_* set.
 * Zero dependencies (node: builtins only).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const FILE_COMMANDS = {
  GITHUB_OUTPUT: 'output',
  GITHUB_ENV: 'env',
  GITHUB_STATE: 'state',
  GITHUB_STEP_SUMMARY: 'summary',
  GITHUB_PATH: 'path'
};

// ---------------------------------------------------------------------------------------------
// action.yml

function indentOf(line) {
  return line.length - line.trimStart().length;
}

function isBlankOrComment(line) {
  const trimmed = line.trim();
  return trimmed === '' || trimmed.startsWith('#');
}

/** A YAML scalar as action.yml writes them: 'single', "double", or plain with an optional # comment. */
export function parseScalar(raw) {
  const text = raw.trim();
  if (text.startsWith("'")) return text.slice(1, text.lastIndexOf("'")).replace(/''/g, "'");
  if (text.startsWith('"')) {
    const body = text.slice(1, text.lastIndexOf('"'));
    return body.replace(/\\(["\\nt])/g, (_, c) => ({ n: '\n', t: '\t' })[c] ?? c);
  }
  return text.replace(/\s+#.*$/, '');
}

/** The `inputs:` map of an action.yml: input name → its `default:` (undefined when none). */
export function parseActionInputs(yamlText) {
  const lines = yamlText.split(/\r?\n/);
  const start = lines.findIndex(line => /^inputs:\s*(#.*)?$/.test(line));
  const inputs = {};
  if (start < 0) return inputs;
  let inputIndent;
  let propertyIndent;
  let current;
  for (const line of lines.slice(start + 1)) {
    if (isBlankOrComment(line)) continue;
    const indent = indentOf(line);
    if (indent === 0) break; // the next top-level key ends the inputs map
    inputIndent ??= indent;
    const pair = /^\s*("[^"]*"|'[^']*'|[^:#]+?)\s*:(?:\s+(.*))?$/.exec(line);
    if (indent === inputIndent && pair) {
      current = parseScalar(pair[1]);
      inputs[current] = undefined;
      propertyIndent = undefined;
    } else if (current !== undefined && indent > inputIndent) {
      // Only direct properties count: a `default:` inside a block description is text.
      propertyIndent ??= indent;
      if (indent === propertyIndent && pair && pair[1] === 'default') inputs[current] = parseScalar(pair[2] ?? '');
    }
  }
  return inputs;
}

/** The runner's env name for an input: spaces to `_`, upper-cased, hyphens kept (INPUT_AUTH-TYPE). */
export function inputEnvName(name) {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

// ---------------------------------------------------------------------------------------------
// file commands and workflow commands

/** GITHUB_OUTPUT / GITHUB_ENV / GITHUB_STATE: `name=value` lines and `name<<DELIM` heredocs. */
export function parseFileCommands(text) {
  const values = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i];
    if (line === '') continue;
    const equals = line.indexOf('=');
    const heredoc = line.indexOf('<<');
    // The runner's rule: `=` before any `<<` makes it a name=value line.
    if (equals >= 0 && (heredoc < 0 || equals < heredoc)) {
      values[line.slice(0, equals)] = line.slice(equals + 1);
      continue;
    }
    if (heredoc < 0) throw new Error(`file command line ${i + 1} is neither name=value nor name<<DELIMITER: ${line}`);
    const delimiter = line.slice(heredoc + 2);
    const end = lines.indexOf(delimiter, i + 1);
    if (end < 0) throw new Error(`file command heredoc '${line.slice(0, heredoc)}' has no closing ${delimiter}`);
    values[line.slice(0, heredoc)] = lines.slice(i + 1, end).join('\n');
    i = end;
  }
  return values;
}

/** Workflow command data escaping (@actions/core toCommandValue): %25 %0D %0A. */
function unescapeData(data) {
  return data.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

/** `::name key=v,...::data` → {command, properties, data}, or null for ordinary output. */
export function parseWorkflowCommand(line) {
  const match = /^::([A-Za-z-]+)(?: ([^:]*))?::(.*)$/.exec(line.replace(/\r$/, ''));
  if (!match) return null;
  return { command: match[1], properties: match[2] ?? '', data: unescapeData(match[3]) };
}

function workflowCommands(...streams) {
  const commands = streams
    .flatMap(text => text.split('\n'))
    .map(parseWorkflowCommand)
    .filter(Boolean);
  const dataOf = name => commands.filter(c => c.command === name).map(c => c.data);
  return {
    commands,
    masks: dataOf('add-mask'),
    errors: dataOf('error'),
    warnings: dataOf('warning'),
    debug: dataOf('debug'),
    notices: dataOf('notice')
  };
}

// ---------------------------------------------------------------------------------------------
// running

/** Only what a hosted runner's step would see, not the test process's environment. */
function cleanBaseEnv() {
  const keep = process.platform === 'win32' ? ['PATH', 'Path', 'HOME', 'USERPROFILE', 'SystemRoot', 'TEMP', 'TMP'] : ['PATH', 'HOME'];
  return Object.fromEntries(keep.filter(name => process.env[name] !== undefined).map(name => [name, process.env[name]]));
}

function runnerOs() {
  return { win32: 'Windows', darwin: 'macOS' }[process.platform] ?? 'Linux';
}

/** Creates empty file-command files for one step; returns {env, paths}. */
function createStepFiles(dir) {
  fs.mkdirSync(dir, { recursive: true });
  const paths = {};
  for (const [variable, name] of Object.entries(FILE_COMMANDS)) {
    paths[variable] = path.join(dir, name);
    fs.writeFileSync(paths[variable], '');
  }
  return paths;
}

/** Merges env layers; a value of `undefined` removes the variable (e.g. RUNNER_ENVIRONMENT). */
function mergeEnv(...layers) {
  const env = {};
  for (const layer of layers) {
    for (const [name, value] of Object.entries(layer)) {
      if (value === undefined) delete env[name];
      else env[name] = String(value);
    }
  }
  return env;
}

function spawnNode(node, entry, { env, cwd, timeoutMs }) {
  return new Promise((resolve, reject) => {
    const child = spawn(node, [entry], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'], shell: false });
    const stdout = [];
    const stderr = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', chunk => stdout.push(chunk));
    child.stderr.on('data', chunk => stderr.push(chunk));
    child.on('error', err => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        exitCode: code,
        signal,
        timedOut,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8')
      });
    });
  });
}

/** Runs one step (main or post) and reads back everything it wrote. */
async function runStep({ node, entry, env, stepDir, workspace, timeoutMs }) {
  const files = createStepFiles(stepDir);
  const run = await spawnNode(node, entry, { env: { ...env, ...files }, cwd: workspace, timeoutMs });
  const raw = Object.fromEntries(Object.entries(FILE_COMMANDS).map(([variable, name]) => [name, fs.readFileSync(files[variable], 'utf8')]));
  return {
    ...run,
    outputs: parseFileCommands(raw.output),
    exportedEnv: parseFileCommands(raw.env),
    state: parseFileCommands(raw.state),
    summary: raw.summary,
    addedPath: raw.path.split(/\r?\n/).filter(Boolean),
    files: raw,
    ...workflowCommands(run.stdout, run.stderr)
  };
}

/**
 * Runs `entry` (then `post`, unless runPost is false) like the runner runs a node action.
 * `postState(state)` may return the state the post step gets instead of what main saved.
 * `actionYml` (default <repo>/action.yml) supplies input defaults; env values of undefined
 * remove a variable. `laterSteps`, when given, runs between main and post, as the job's later
 * steps would: it gets the environment they would see (the runner's, what main exported to
 * GITHUB_ENV, `env`; no INPUT_*) and main's result; post runs even when it throws, and then
 * its error is thrown. Returns the main step's result with `post` (or null), `workspace`, `tempDir`.
 */
export async function runAction({
  inputs = {},
  env = {},
  entry = 'dist/main/index.js',
  post = 'dist/post/index.js',
  runPost = true,
  postState,
  node = process.execPath,
  timeoutMs = 60000,
  actionYml = path.join(REPO_ROOT, 'action.yml'),
  laterSteps
} = {}) {
  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'action-run-'));
  const workspace = path.join(tempDir, 'workspace');
  const runnerTemp = path.join(tempDir, 'runner-temp');
  fs.mkdirSync(workspace);
  fs.mkdirSync(runnerTemp);

  const defaults = parseActionInputs(fs.readFileSync(actionYml, 'utf8'));
  const inputEnv = {};
  for (const [name, value] of Object.entries(defaults)) if (value !== undefined) inputEnv[inputEnvName(name)] = value;
  for (const [name, value] of Object.entries(inputs)) inputEnv[inputEnvName(name)] = value;

  const runnerEnv = {
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: runnerTemp,
    RUNNER_ENVIRONMENT: 'github-hosted',
    RUNNER_OS: runnerOs(),
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_ACTION_PATH: REPO_ROOT
  };
  const resolveEntry = file => path.resolve(REPO_ROOT, file);
  const stepOptions = { node, workspace, timeoutMs };

  const main = await runStep({
    ...stepOptions,
    entry: resolveEntry(entry),
    env: mergeEnv(cleanBaseEnv(), runnerEnv, inputEnv, env),
    stepDir: path.join(tempDir, 'main')
  });

  let laterError;
  if (laterSteps) {
    try {
      await laterSteps({ env: mergeEnv(cleanBaseEnv(), runnerEnv, main.exportedEnv, env), main, workspace });
    } catch (error) {
      laterError = error;
    }
  }

  let postResult = null;
  if (runPost) {
    // Later steps see what GITHUB_ENV exported; the post step also gets STATE_<name>.
    // `postState` lets a test hand the post step another state than the main step saved (a forged one).
    const state = postState ? postState(main.state) : main.state;
    const stateEnv = Object.fromEntries(Object.entries(state).map(([name, value]) => [`STATE_${name}`, value]));
    postResult = await runStep({
      ...stepOptions,
      entry: resolveEntry(post),
      env: mergeEnv(cleanBaseEnv(), runnerEnv, main.exportedEnv, inputEnv, env, stateEnv),
      stepDir: path.join(tempDir, 'post')
    });
  }
  if (laterError !== undefined) throw laterError;
  return { ...main, post: postResult, workspace, tempDir };
}

// ---------------------------------------------------------------------------------------------
// leak detection

/** How a problem names a secret without printing it. */
function describeSecret(index, lineOfSecret) {
  return lineOfSecret === undefined ? `secret #${index}` : `line ${lineOfSecret + 1} of secret #${index}`;
}

/** The whole value, and each line longer than 3 characters of a multi-line value (lines end at \n, \r\n or a lone \r, as the runner splits them). */
function needlesOf(secret) {
  const needles = [{ text: secret }];
  const lines = secret.split(/\r\n|\r|\n/);
  if (lines.length > 1) lines.forEach((text, i) => text.length > 3 && needles.push({ text, line: i }));
  return needles;
}

function isOwnMask(line, secret, needle) {
  const command = parseWorkflowCommand(line);
  return command?.command === 'add-mask' && (command.data === secret || command.data === needle);
}

function streamLeaks(step, label, secret, index) {
  const problems = [];
  for (const stream of ['stdout', 'stderr']) {
    const lines = step[stream].split('\n');
    for (const needle of needlesOf(secret)) {
      const firstMask = lines.findIndex(line => isOwnMask(line, secret, needle.text));
      lines.forEach((line, at) => {
        // The runner consumes every ::add-mask:: line (its own or a longer value's holding it) and never shows it.
        if (!line.includes(needle.text) || parseWorkflowCommand(line)?.command === 'add-mask') return;
        const when = firstMask < 0 || firstMask > at ? ' before any ::add-mask:: of it' : ' (masked, but printed anyway)';
        problems.push(`${label} ${stream} line ${at + 1} shows ${describeSecret(index, needle.line)}${when}`);
      });
    }
  }
  return problems;
}

function fileLeaks(step, label, secret, index) {
  const problems = [];
  for (const needle of needlesOf(secret)) {
    if (step.files.state.includes(needle.text))
      problems.push(`${label} saved state (GITHUB_STATE) holds ${describeSecret(index, needle.line)}`);
    if (step.summary.includes(needle.text)) problems.push(`${label} job summary holds ${describeSecret(index, needle.line)}`);
  }
  // A value handed to later steps (outputs, env) must have been masked, whole and line by line.
  if (step.files.output.includes(secret) || step.files.env.includes(secret)) {
    for (const needle of needlesOf(secret)) {
      if (!step.masks.includes(needle.text))
        problems.push(`${label} outputs/env carry ${describeSecret(index, needle.line)} but it was never masked`);
    }
  }
  return problems;
}

/**
 * Problems (empty = none) with how `result` (from runAction) handled `secretValues`: a value in
 * stdout/stderr outside its own ::add-mask:: line, in the saved state or the summary, or
 * exported without being masked. Problems name secrets by index, never by value.
 */
export function findLeaks(result, secretValues) {
  const steps = [
    ['main', result],
    ['post', result.post]
  ].filter(([, step]) => step);
  return secretValues.flatMap((secret, index) => {
    if (!secret) return [];
    return steps.flatMap(([label, step]) => [...streamLeaks(step, label, secret, index), ...fileLeaks(step, label, secret, index)]);
  });
}
