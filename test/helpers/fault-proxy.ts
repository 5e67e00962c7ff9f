import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of a server, able to cut the connection carrying the Nth byte
 * sent upstream: a real network fault in the middle of a request body (a PATCH chunk), not a mock.
 */
export interface FaultProxy {
  /** `127.0.0.1:PORT` */
  host: string;
  /** Bytes sent upstream (client → server) since start or the last reset. */
  readonly sentUpstream: number;
  /** Cuts the connection once the bytes sent upstream, counted from now, pass `n`; once only. */
  cutAfter(n: number): void;
  /** Whether the armed cut happened. */
  readonly cut: boolean;
  resetCount(): void;
  close(): Promise<void>;
}

export async function startFaultProxy(upstreamPort: number): Promise<FaultProxy> {
  let sent = 0;
  let armedAt: number | undefined;
  let limit = 0;
  let cut = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: upstreamPort });
    sockets.add(client);
    sockets.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('data', (chunk: Buffer) => {
      if (armedAt !== undefined && sent + chunk.length - armedAt > limit) {
        const keep = Math.max(0, limit - (sent - armedAt));
        armedAt = undefined;
        cut = true;
        upstream.write(chunk.subarray(0, keep), () => drop());
        sent += keep;
        return;
      }
      sent += chunk.length;
      if (!upstream.write(chunk)) client.pause();
    });
    upstream.on('drain', () => client.resume());
    upstream.on('data', (chunk: Buffer) => {
      if (!client.write(chunk)) upstream.pause();
    });
    client.on('drain', () => upstream.resume());
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    host: `127.0.0.1:${port}`,
    get sentUpstream() {
      return sent;
    },
    get cut() {
      return cut;
    },
    cutAfter(n) {
      armedAt = sent;
      limit = n;
      cut = false;
    },
    resetCount() {
      sent = 0;
      armedAt = undefined;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
