import { PassThrough, type Readable, Transform, type TransformCallback } from 'node:stream';

/**
 * A pass-through that keeps back its last chunk until `verdict` settles: released when it resolves,
 * the stream failed when it rejects. A client reading content still being verified therefore never
 * sees a complete body that was not verified.
 */
export function holdLast(verdict: Promise<unknown>): Transform {
  let held: Buffer | undefined;
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      const out = held;
      held = chunk;
      cb(null, out);
    },
    flush(cb: TransformCallback) {
      verdict.then(
        () => cb(null, held),
        (err: unknown) => cb(err instanceof Error ? err : new Error(String(err))),
      );
    },
  });
}

/**
 * Feeds `source` to a store (the first consumer, whose outcome is `stored`) and to a client stream
 * whose last chunk waits for that outcome. Either consumer's backpressure pauses the source; the
 * client may go away at any time without disturbing the store. A failing source fails both, a
 * failing store fails the client and stops the source.
 */
export function teeToStore<T>(
  source: Readable,
  stored: (input: Readable) => Promise<T>,
): { client: Transform; stored: Promise<T> } {
  const toStore = new PassThrough();
  const outcome = stored(toStore);
  const client = holdLast(outcome);
  client.on('error', () => {}); // a client that went away is not the store's failure
  let clientGone = false;
  const waiting = { store: false, client: false };
  const resume = () => {
    if (!waiting.store && !waiting.client) source.resume();
  };
  toStore.on('drain', () => {
    waiting.store = false;
    resume();
  });
  client.on('drain', () => {
    waiting.client = false;
    resume();
  });
  client.on('close', () => {
    clientGone = true;
    waiting.client = false;
    resume();
  });
  source.on('data', (chunk: Buffer) => {
    waiting.store = !toStore.write(chunk) || waiting.store;
    if (!clientGone && !client.destroyed) waiting.client = !client.write(chunk) || waiting.client;
    if (waiting.store || waiting.client) source.pause();
  });
  source.on('end', () => {
    toStore.end();
    if (!clientGone) client.end();
  });
  source.on('error', (err) => {
    toStore.destroy(err);
    client.destroy(err);
  });
  outcome.catch((err: unknown) => {
    source.destroy();
    client.destroy(err instanceof Error ? err : new Error(String(err)));
  });
  return { client, stored: outcome };
}
