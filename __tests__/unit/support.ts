/**
 * Shared test doubles: a Runner that records every call in order, an HTTP layer that never
 * sleeps (it records the waits it was asked for), and the env a runner step starts with.
 */
import { createHttp, type Http } from '../../src/http.js';
import type { Deps } from '../../src/main.js';
import type { Runner } from '../../src/outputs.js';
import { nodeMachine } from '../../src/machine.js';

export type RunnerCall = readonly [method: keyof Runner, ...args: string[]];

export interface RecordingRunner extends Runner {
  readonly calls: RunnerCall[];
  readonly outputs: Record<string, string>;
  readonly exported: Record<string, string>;
  readonly state: Record<string, string>;
  readonly masks: string[];
  readonly failures: string[];
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
  const summaries: string[] = [];
  const logs: string[] = [];
  return {
    calls,
    outputs,
    exported,
    state,
    masks,
    failures,
    summaries,
    setSecret: value => {
      calls.push(['setSecret', value]);
      masks.push(value);
    },
    setOutput: (name, value) => {
      calls.push(['setOutput', name, value]);
      outputs[name] = value;
    },
    exportVariable: (name, value) => {
      calls.push(['exportVariable', name, value]);
      exported[name] = value;
    },
    saveState: (name, value) => {
      calls.push(['saveState', name, value]);
      state[name] = value;
    },
    getState: name => state[name] ?? '',
    info: message => {
      calls.push(['info', message]);
      logs.push(message);
    },
    warning: message => {
      calls.push(['warning', message]);
      logs.push(message);
    },
    debug: message => {
      calls.push(['debug', message]);
      logs.push(message);
    },
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

export interface TestHttp extends Http {
  /** The waits the HTTP layer asked for, in ms: it never really sleeps. */
  readonly sleeps: number[];
  readonly logs: string[];
}

export function testHttp(options: { now?: () => number; timeoutMs?: number } = {}): TestHttp {
  const sleeps: number[] = [];
  const logs: string[] = [];
  const http = createHttp({
    sleep: async ms => {
      sleeps.push(ms);
    },
    random: () => 1,
    now: options.now ?? (() => NOW),
    log: message => logs.push(message),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs })
  });
  return { ...http, sleeps, logs };
}

/** A fixed "now" for tests: 2026-11-23T12:00:00Z. */
export const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);

export const TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const CLIENT_ID = '11111111-2222-3333-4444-555555555555';
export const OBJECT_ID = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';

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

export function testDeps(env: Record<string, string | undefined>, overrides: Partial<Deps> = {}): Deps & {
  runner: RecordingRunner;
  http: TestHttp;
} {
  const runner = (overrides.runner as RecordingRunner | undefined) ?? recordingRunner();
  const http = (overrides.http as TestHttp | undefined) ?? testHttp();
  return { env: { GITHUB_WORKSPACE: '/work/space', ...env }, now: () => NOW, machine: nodeMachine(), ...overrides, runner, http };
}
