/**
 * Rejects when `promise` has not settled within `ms` (the promise itself runs on). For clients
 * whose own timeouts wait for a connection that may never come back (node-redis queues commands
 * while it reconnects): the caller fails closed instead of hanging.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (error: unknown) => (clearTimeout(timer), reject(error)),
    );
  });
}
