import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { sleep } from '../../helpers/child-server.js';

export interface StreamedResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * A request whose body the test sends piece by piece (node:http, Content-Length announced up front),
 * so a server can be killed or stopped while the body is still arriving.
 */
export class StreamingRequest {
  /** Settles with the response, or rejects when the connection breaks first; never unhandled. */
  readonly response: Promise<StreamedResponse>;
  private readonly req: ReturnType<typeof request>;

  constructor(url: string, method: string, headers: Record<string, string | number>) {
    const u = new URL(url);
    let resolve!: (r: StreamedResponse) => void;
    let reject!: (e: Error) => void;
    this.response = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.response.catch(() => undefined);
    this.req = request({ host: u.hostname, port: u.port, method, path: `${u.pathname}${u.search}`, headers });
    this.req.on('error', reject);
    this.req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (s: string) => {
        body += s;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    this.req.flushHeaders();
  }

  /** Writes a piece; resolves once it is handed to the socket (or the connection is gone). */
  write(data: Buffer): Promise<void> {
    return new Promise((resolve) => {
      if (this.req.destroyed) return resolve();
      this.req.write(data, () => resolve());
    });
  }

  end(): void {
    if (!this.req.destroyed) this.req.end();
  }

  destroy(): void {
    this.req.destroy();
  }
}

/** Size of a file, or -1 when it does not exist. */
export async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return -1;
  }
}

/** Waits until `path` holds at least `size` bytes; returns the size reached (maybe less, on timeout). */
export async function waitForFileSize(path: string, size: number, timeoutMs = 5000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let current = await fileSize(path);
  while (current < size && Date.now() < deadline) {
    await sleep(10);
    current = await fileSize(path);
  }
  return current;
}

/** Every committed blob file under `<dataDir>/blobs/<alg>/<xx>/<hex>` with the digest of its bytes. */
export async function blobFiles(dataDir: string): Promise<{ name: string; actual: string; path: string }[]> {
  const out: { name: string; actual: string; path: string }[] = [];
  const root = join(dataDir, 'blobs');
  for (const alg of await readdir(root).catch(() => [] as string[])) {
    for (const shard of await readdir(join(root, alg))) {
      for (const hex of await readdir(join(root, alg, shard))) {
        const path = join(root, alg, shard, hex);
        const actual = createHash(alg)
          .update(await readFile(path))
          .digest('hex');
        out.push({ name: `${alg}:${hex}`, actual: `${alg}:${actual}`, path });
      }
    }
  }
  return out;
}

/** Parses a `Range: 0-N` upload header into the number of bytes received (N + 1). */
export function rangeEnd(range: string | null | undefined): number | undefined {
  const m = /^0-(\d+)$/.exec(range ?? '');
  return m ? Number(m[1]) + 1 : undefined;
}
