/**
 * The token endpoint's process, top to bottom: read the start message from stdin, build the
 * configuration and the credential with the core (as the step did), listen on loopback, report
 * the port up stdout, and serve until the authenticated shutdown. It writes nothing else
 * anywhere: no log, no file.
 */
import { readConfig } from '../core/config.js';
import { createCredential, type CredentialDeps } from '../core/credentials/index.js';
import { describeError } from '../core/errors.js';
import { createHttp } from '../core/http.js';
import { SILENT_LOG } from '../core/log.js';
import { type Clock, nodeMachine } from '../core/machine.js';
import { createMasker } from '../core/masking.js';
import { encodeReport, MAX_START_MESSAGE_BYTES, parseStartMessage, type StartMessage } from './handoff.js';
import { createMinter } from './minter.js';
import { listenOnLoopback, type RunningServer } from './server.js';
import { createTokenService } from './service.js';

interface EndpointIo {
  /** The start message arrives here, then the stream ends. */
  readonly input: AsyncIterable<Buffer | string>;
  /** Sends the one report line up to the main step, and closes the channel. */
  report(line: string): Promise<void>;
  readonly pid: number;
}

/** The credential kinds whose tokens the endpoint mints; the others are there for later steps already. */
const SERVED_KINDS = new Set(['oidc', 'secret', 'certificate', 'workload-identity']);

/** The main step writes the message at once: one that has not ended by then never will. */
const START_MESSAGE_TIMEOUT_MS = 10_000;

/** Runs the endpoint; resolves with the process's exit code once it has stopped (or could not start). */
export async function run(io: EndpointIo): Promise<number> {
  const masker = createMasker(() => {});
  const machine = nodeMachine();
  const http = createHttp({ clock: machine, log: SILENT_LOG });
  let server: RunningServer;
  try {
    const message = parseStartMessage(await readMessage(io.input, machine));
    masker.mask(message.secret);
    server = await serve(message, { http, machine, masker, log: SILENT_LOG }, io.pid);
  } catch (error) {
    http.dispose();
    await io.report(encodeReport({ error: masker.redact(describeError(error)) }));
    return 1;
  }
  await io.report(encodeReport({ port: server.port }));
  await server.stopped;
  http.dispose();
  return 0;
}

/** Builds the credential as the step did and listens: resolves once the port is open. */
async function serve(message: StartMessage, deps: CredentialDeps, pid: number): Promise<RunningServer> {
  const { machine, masker } = deps;
  const config = readConfig({ input: name => message.inputs[name] ?? '', env: message.env, workspace: message.workspace }, masker);
  if (!SERVED_KINDS.has(config.authType))
    throw new Error(
      `the token endpoint mints tokens for auth-type oidc, secret, certificate or workload-identity, not '${config.authType}'`
    );
  const credential = await createCredential(config, deps);
  const clientId = config.clientId ?? config.context.azureClientId ?? '';
  const minter = createMinter(credential, machine);
  return listenOnLoopback(port => createTokenService({ identity: { port, secret: message.secret, clientId }, minter, masker, pid }));
}

/** The whole of stdin, bounded in size and time. */
async function readMessage(input: AsyncIterable<Buffer | string>, clock: Clock): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  let cancel = (): void => {};
  const timeout = new Promise<never>((_, reject) => {
    cancel = clock.timer(START_MESSAGE_TIMEOUT_MS, () => reject(new Error(`no start message within ${START_MESSAGE_TIMEOUT_MS / 1000} s`)));
  });
  const read = (async () => {
    for await (const chunk of input) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buffer.length;
      if (size > MAX_START_MESSAGE_BYTES) throw new Error(`the start message is larger than ${MAX_START_MESSAGE_BYTES} bytes`);
      chunks.push(buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  })();
  try {
    return await Promise.race([read, timeout]);
  } finally {
    cancel();
  }
}
