/** Types of runner.js for the TypeScript tests (the harness itself is plain JS, zero dependencies). */

export const REPO_ROOT: string;

export interface WorkflowCommand {
  command: string;
  properties: string;
  data: string;
}

export interface StepResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  exportedEnv: Record<string, string>;
  state: Record<string, string>;
  summary: string;
  addedPath: string[];
  /** raw text of each file-command file */
  files: { output: string; env: string; state: string; summary: string; path: string };
  commands: WorkflowCommand[];
  masks: string[];
  errors: string[];
  warnings: string[];
  debug: string[];
  notices: string[];
}

export interface ActionResult extends StepResult {
  post: StepResult | null;
  workspace: string;
  tempDir: string;
}

export interface RunActionOptions {
  /** input name (as in action.yml) → value */
  inputs?: Record<string, string>;
  /** extra env; undefined removes a variable the harness sets */
  env?: Record<string, string | undefined>;
  /** relative to the repo root, or absolute */
  entry?: string;
  post?: string;
  runPost?: boolean;
  /** the state the post step gets instead of the main step's (a forged or tampered one) */
  postState?: (state: Record<string, string>) => Record<string, string>;
  node?: string;
  timeoutMs?: number;
  actionYml?: string;
  /**
   * Runs between main and post, as the job's later steps: `env` is what they would see (the
   * runner's variables, main's GITHUB_ENV exports, the given env; no INPUT_*). Post runs even
   * when it throws; its error is then thrown.
   */
  laterSteps?: (step: { env: Record<string, string>; main: StepResult; workspace: string }) => Promise<void>;
}

export function runAction(options?: RunActionOptions): Promise<ActionResult>;
export function findLeaks(result: ActionResult | (StepResult & { post?: StepResult | null }), secretValues: string[]): string[];
export function parseActionInputs(yamlText: string): Record<string, string | undefined>;
export function parseFileCommands(text: string): Record<string, string>;
export function parseWorkflowCommand(line: string): WorkflowCommand | null;
export function parseScalar(raw: string): string;
export function inputEnvName(name: string): string;
