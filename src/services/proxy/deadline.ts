/**
 * Runs `fn` with a signal that aborts after `ms`, and rejects with a TimeoutError at that moment
 * even if `fn` has not noticed (a token request to the upstream's auth server takes no signal).
 * The deadline ends when `fn` resolves: a response body still streaming after that is not cut.
 */
export async function withDeadline<T>(ms: number, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new DOMException(`no answer within ${ms} ms`, 'TimeoutError');
      ac.abort(err);
      reject(err);
    }, ms);
  });
  try {
    return await Promise.race([fn(ac.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}
