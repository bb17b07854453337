/** A bound on requests in flight: Key Vault is shared by every leg of a matrix, and by the job's other steps. */

/** Runs at most `limit` tasks at once; the others wait their turn in order, `first` ones at the front. */
export function limiter(limit: number): <T>(first: boolean, task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (first, task) => {
    if (running < limit) {
      running++;
    } else {
      // The finishing task hands its slot over, so `running` stays as it is.
      await new Promise<void>(resolve => (first ? waiting.unshift(resolve) : waiting.push(resolve)));
    }
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}
