/**
 * Shared test doubles: a Runner that records every call in order, a clock that never sleeps
 * (it records the waits it was asked for), an HTTP layer on it, and the env a runner step
 * starts with.
 */
import type { Deps } from '../../src/action/main.js';
import type { Entries, Runner } from '../../src/action/runner.js';
import { createHttp, type Http } from '../../src/core/http.js';
import type { Log } from '../../src/core/log.js';
import { type Machine, nodeMachine } from '../../src/core/machine.js';
import { createMasker, type Masker } from '../../src/core/masking.js';

export type RunnerCall = readonly [method: keyof Runner, ...args: string[]];

export interface RecordingRunner extends Runner {
  readonly calls: RunnerCall[];
  readonly outputs: Record<string, string>;
  readonly exported: Record<string, string>;
  readonly state: Record<string, string>;
  readonly masks: string[];
  readonly failures: string[];
  readonly warnings: string[];
  readonly notices: string[];
  readonly debugs: string[];
  readonly summaries: string[];
  /** Every text the action printed or wrote anywhere a person or file could see it. */
  visibleText(): string;
}

export function recordingRunner(initialState: Record<string, string> = {}): RecordingRunner {
  const calls: RunnerCall[] = [];
  const outputs: Record<string, string> = {};
  const exported: Record<string, string> = {};
  const state: Record<string, string> = { ...initialState };
  const masks: string[] = [];
  const failures: string[] = [];
  const warnings: string[] = [];
  const notices: string[] = [];
  const debugs: string[] = [];
  const summaries: string[] = [];
  const logs: string[] = [];
  const record = (entries: Entries, into: Record<string, string>, method: 'setOutputs' | 'exportVariables'): void => {
    for (const [name, value] of entries) {
      calls.push([method, name, value]);
      into[name] = value;
    }
  };
  const logged = (method: 'info' | 'notice' | 'warning' | 'debug', list?: string[]) => (message: string) => {
    calls.push([method, message]);
    logs.push(message);
    list?.push(message);
  };
  return {
    calls,
    outputs,
    exported,
    state,
    masks,
    failures,
    warnings,
    notices,
    debugs,
    summaries,
    setSecret: value => {
      calls.push(['setSecret', value]);
      masks.push(value);
    },
    setOutputs: entries => record(entries, outputs, 'setOutputs'),
    exportVariables: entries => record(entries, exported, 'exportVariables'),
    saveState: (name, value) => {
      calls.push(['saveState', name, value]);
      state[name] = value;
    },
    getState: name => state[name] ?? '',
    info: logged('info'),
    notice: logged('notice', notices),
    warning: logged('warning', warnings),
    debug: logged('debug', debugs),
    setFailed: message => {
      calls.push(['setFailed', message]);
      failures.push(message);
    },
    appendSummary: async markdown => {
      calls.push(['appendSummary', markdown]);
      summaries.push(markdown);
    },
    visibleText: () => [...logs, ...failures, ...summaries, ...Object.values(state)].join('\n')
  };
}

/** A fixed "now" for tests: 2026-11-23T12:00:00Z. */
export const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);

export const TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const CLIENT_ID = '11111111-2222-3333-4444-555555555555';
export const OBJECT_ID = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';

export interface TestMachine extends Machine {
  /** The waits asked for, in ms: the clock never really sleeps. */
  readonly sleeps: number[];
}

/**
 * The real file system and processes, with a clock that stands still at `now` (or follows
 * `now()`), draws 1 for every jitter, and records sleeps instead of sleeping. Timers are real:
 * HTTP deadlines in tests are short.
 */
export function testMachine(options: { now?: () => number; random?: () => number; base?: Machine } = {}): TestMachine {
  const sleeps: number[] = [];
  return {
    ...(options.base ?? nodeMachine()),
    now: options.now ?? (() => NOW),
    random: options.random ?? (() => 1),
    sleep: async ms => {
      sleeps.push(ms);
    },
    sleeps
  };
}

export interface RecordingLog extends Log {
  readonly infos: string[];
  readonly notices: string[];
  readonly warnings: string[];
  readonly debugs: string[];
}

export function recordingLog(): RecordingLog {
  const infos: string[] = [];
  const notices: string[] = [];
  const warnings: string[] = [];
  const debugs: string[] = [];
  return {
    infos,
    notices,
    warnings,
    debugs,
    info: message => infos.push(message),
    notice: message => notices.push(message),
    warning: message => warnings.push(message),
    debug: message => debugs.push(message)
  };
}

export interface TestHttp extends Http {
  /** The waits the HTTP layer asked for, in ms: it never really sleeps. */
  readonly sleeps: number[];
  /** The connections asked for ahead of need: recorded, never opened (a unit test reaches no network). */
  readonly preconnects: Array<[url: string, count: number]>;
  /** Retry lines (info). */
  readonly logs: string[];
  /** One line per attempt (debug). */
  readonly debugs: string[];
}

export function testHttp(options: { now?: () => number; timeoutMs?: number; random?: () => number } = {}): TestHttp {
  const machine = testMachine({ ...(options.now ? { now: options.now } : {}), ...(options.random ? { random: options.random } : {}) });
  const log = recordingLog();
  const http = createHttp({ clock: machine, log, ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) });
  const preconnects: Array<[string, number]> = [];
  return {
    ...http,
    preconnect: (url, count = 1) => preconnects.push([url, count]),
    preconnects,
    sleeps: machine.sleeps,
    logs: log.infos,
    debugs: log.debugs
  };
}

/** A masker that records what it was given, and redacts like the real one. */
export function recordingMasker(): Masker & { readonly masks: string[] } {
  const masks: string[] = [];
  return { ...createMasker(value => masks.push(value)), masks };
}

/** INPUT_* variables for the given inputs, as the runner sets them. */
export function inputEnv(inputs: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(inputs)) {
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  }
  return env;
}

/** An unsigned JWT with the given claims: enough for code that only reads claims. */
export function fakeJwt(claims: Record<string, unknown>): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJl`;
}

/** The deps of the action's main step: a recording runner, a test clock, an HTTP layer that never sleeps. */
export function testDeps(
  env: Record<string, string | undefined>,
  overrides: Partial<Deps> = {}
): Deps & { runner: RecordingRunner; http: TestHttp } {
  const runner = (overrides.runner as RecordingRunner | undefined) ?? recordingRunner();
  const http = (overrides.http as TestHttp | undefined) ?? testHttp();
  return { env: { GITHUB_WORKSPACE: '/work/space', GITHUB_ACTIONS: 'true', ...env }, machine: testMachine(), ...overrides, runner, http };
}
