import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of a server, able to cut the connection carrying the Nth byte
 * sent upstream (a PATCH chunk) or downstream (a blob GET): a real network fault, not a mock.
 */
export interface FaultProxy {
  /** `127.0.0.1:PORT` */
  host: string;
  /** Bytes sent upstream (client → server) since start or the last reset. */
  readonly sentUpstream: number;
  /** Bytes sent downstream (server → client) since start or the last reset. */
  readonly sentDownstream: number;
  /** Cuts the connection once the bytes sent that way, counted from now, pass `n`; once only. */
  cutAfter(n: number, direction?: 'up' | 'down'): void;
  /** Whether the armed cut happened. */
  readonly cut: boolean;
  /** While down, every connection is accepted and closed at once (the server is unreachable). */
  down: boolean;
  resetCount(): void;
  close(): Promise<void>;
}

type Direction = 'up' | 'down';

export async function startFaultProxy(upstreamPort: number): Promise<FaultProxy> {
  const sent: Record<Direction, number> = { up: 0, down: 0 };
  let armed: { direction: Direction; at: number; limit: number } | undefined;
  let cut = false;
  const sockets = new Set<Socket>();

  /** Forwards `from` → `to`, counting, and cutting both when the armed limit is passed. */
  const forward = (from: Socket, to: Socket, direction: Direction, drop: () => void) => {
    from.on('data', (chunk: Buffer) => {
      const a = armed;
      if (a && a.direction === direction && sent[direction] + chunk.length - a.at > a.limit) {
        const keep = Math.max(0, a.limit - (sent[direction] - a.at));
        armed = undefined;
        cut = true;
        sent[direction] += keep;
        to.write(chunk.subarray(0, keep), () => drop());
        return;
      }
      sent[direction] += chunk.length;
      if (!to.write(chunk)) from.pause();
    });
    to.on('drain', () => from.resume());
    from.on('end', () => to.end());
  };

  const state = { down: false };
  const server: Server = createServer((client) => {
    if (state.down) {
      client.destroy();
      return;
    }
    const upstream = createConnection({ host: '127.0.0.1', port: upstreamPort });
    sockets.add(client);
    sockets.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    forward(client, upstream, 'up', drop);
    forward(upstream, client, 'down', drop);
    for (const s of [client, upstream]) {
      s.on('error', drop);
      s.on('close', drop);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    host: `127.0.0.1:${port}`,
    get sentUpstream() {
      return sent.up;
    },
    get sentDownstream() {
      return sent.down;
    },
    get cut() {
      return cut;
    },
    get down() {
      return state.down;
    },
    set down(v: boolean) {
      state.down = v;
    },
    cutAfter(n, direction = 'up') {
      armed = { direction, at: sent[direction], limit: n };
      cut = false;
    },
    resetCount() {
      sent.up = 0;
      sent.down = 0;
      armed = undefined;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
