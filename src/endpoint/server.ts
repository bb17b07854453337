/**
 * The endpoint's listener: HTTP on 127.0.0.1 only, on a port the system picks. It hands every
 * request to the token service, sends its answer as JSON, and closes once the service says the
 * request was the shutdown.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Answer } from './protocol.js';
import type { TokenService } from './service.js';

export interface RunningServer {
  readonly port: number;
  /** Settles once the shutdown was answered and the listener closed. */
  readonly stopped: Promise<void>;
}

/** A request's head must arrive within this; minting may then take as long as the credential needs. */
const REQUEST_HEAD_TIMEOUT_MS = 10_000;

/** Listens, then builds the service for the port it got (the Host check needs it). */
export async function listenOnLoopback(serviceFor: (port: number) => TokenService): Promise<RunningServer> {
  const server = http.createServer();
  server.headersTimeout = REQUEST_HEAD_TIMEOUT_MS;
  server.requestTimeout = REQUEST_HEAD_TIMEOUT_MS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const service = serviceFor(port);
  let stop: () => void = () => {};
  const stopped = new Promise<void>(resolve => {
    stop = () => {
      server.close(() => resolve());
      server.closeAllConnections();
    };
  });

  server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
    // A GET has no body worth reading; drain whatever came so the connection stays usable.
    request.resume();
    service
      .handle({ method: request.method ?? '', url: request.url ?? '', headers: request.headers })
      .then(outcome => send(response, outcome.answer, outcome.shutdown ? stop : undefined))
      .catch(() =>
        send(response, { status: 500, body: { error: 'server_error', error_description: 'The token endpoint failed to answer.' } })
      );
  });
  return { port, stopped };
}

function send(response: http.ServerResponse, answer: Answer, then?: () => void): void {
  const body = JSON.stringify(answer.body);
  response.writeHead(answer.status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...(then ? { Connection: 'close' } : {}),
    ...answer.headers
  });
  response.end(body, then);
}
