/**
 * The endpoint's requests, one at a time: decided by the protocol, served from the minter,
 * counted for the post step's line. A failed mint is answered with the step's own explanation
 * and the endpoint carries on.
 */
import { describeError } from '../core/errors.js';
import type { Masker } from '../core/masking.js';
import type { Minter } from './minter.js';
import {
  type Answer,
  decide,
  type EndpointIdentity,
  type EndpointRequest,
  type EndpointStats,
  mintFailureAnswer,
  shutdownAnswer,
  tokenAnswer
} from './protocol.js';

interface Outcome {
  readonly answer: Answer;
  /** The request was the authenticated shutdown: stop once this answer is sent. */
  readonly shutdown: boolean;
}

export interface TokenService {
  handle(request: EndpointRequest): Promise<Outcome>;
  stats(): EndpointStats;
}

interface ServiceDeps {
  readonly identity: EndpointIdentity;
  readonly minter: Minter;
  /** Knows every secret of the process: what a failure's text is cleaned with before it leaves. */
  readonly masker: Masker;
  readonly pid: number;
}

export function createTokenService(deps: ServiceDeps): TokenService {
  const served = new Map<string, number>();
  let failures = 0;
  let refused = 0;
  const stats = (): EndpointStats => ({ served: Object.fromEntries(served), failures, refused, pid: deps.pid });

  return {
    stats,
    async handle(request) {
      const decision = decide(request, deps.identity);
      switch (decision.kind) {
        case 'refused':
          refused++;
          return { answer: decision.answer, shutdown: false };
        case 'shutdown':
          return { answer: shutdownAnswer(stats()), shutdown: true };
        case 'token':
          try {
            const token = await deps.minter.token(decision.resource);
            served.set(decision.resource, (served.get(decision.resource) ?? 0) + 1);
            return { answer: tokenAnswer(decision.version, decision.resource, token, deps.identity.clientId), shutdown: false };
          } catch (error) {
            failures++;
            return { answer: mintFailureAnswer(deps.masker.redact(describeError(error))), shutdown: false };
          }
      }
    }
  };
}
