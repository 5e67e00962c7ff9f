import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RegistryClient } from '../../src/client/index.js';
import {
  type DockerRegistry,
  type DockerRegistryOptions,
  startDockerRegistry,
} from '../helpers/docker-registry.js';

/**
 * How the front answers: `pass` forwards; `reset` drops every connection (upstream down); `throttle`
 * answers 429 as Docker Hub does; `error` answers 503; `slow` forwards after `slowMs`.
 */
export type FrontMode = 'pass' | 'reset' | 'throttle' | 'error' | 'slow';

/** docker-registry behind a small counting proxy on 127.0.0.1 that Wharf is pointed at. */
export interface Upstream {
  registry: DockerRegistry;
  /** `http://127.0.0.1:PORT` of the front. */
  url: string;
  /** A client straight to docker-registry (seeding; not counted). */
  seed: RegistryClient;
  mode: FrontMode;
  slowMs: number;
  /** Blob GETs for this digest send half the body, then drop the connection. */
  truncate: Set<string>;
  /** Blob GETs for this digest stream at most this many bytes per 50 ms. */
  throttleBlob: Map<string, number>;
  /** `METHOD /path` of every request the front received. */
  requests: string[];
  count(method: string, path: string): number;
  /** Closes the front's listener: connections are refused from now on. */
  close(): Promise<void>;
  stop(): Promise<void>;
}

function forward(u: Upstream, target: URL, req: IncomingMessage, res: ServerResponse): void {
  const out = request(
    new URL(req.url ?? '/', target),
    { method: req.method, headers: { ...req.headers, host: target.host } },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      const digest = /\/blobs\/(sha256:[0-9a-f]{64})$/.exec(req.url ?? '')?.[1];
      const half = digest && u.truncate.has(digest) ? Number(up.headers['content-length']) / 2 : undefined;
      const rate = digest ? u.throttleBlob.get(digest) : undefined;
      if (half === undefined && rate === undefined) {
        up.pipe(res);
        return;
      }
      let sent = 0;
      up.on('data', (chunk: Buffer) => {
        if (half !== undefined && sent + chunk.length >= half) {
          res.write(chunk.subarray(0, Math.max(0, Math.floor(half - sent))));
          up.destroy();
          res.destroy();
          return;
        }
        sent += chunk.length;
        res.write(chunk);
        if (rate !== undefined) {
          up.pause();
          setTimeout(() => up.resume(), Math.ceil((chunk.length / rate) * 50));
        }
      });
      up.on('end', () => res.end());
    },
  );
  out.on('error', () => res.destroy());
  req.pipe(out);
}

function handle(u: Upstream, target: URL, req: IncomingMessage, res: ServerResponse): void {
  u.requests.push(`${req.method} ${req.url}`);
  switch (u.mode) {
    case 'reset':
      req.socket.destroy();
      return;
    case 'throttle':
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '30' });
      res.end(JSON.stringify({ errors: [{ code: 'TOOMANYREQUESTS', message: 'pull rate limit exceeded' }] }));
      return;
    case 'error':
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('upstream maintenance');
      return;
    case 'slow':
      setTimeout(() => forward(u, target, req, res), u.slowMs);
      return;
    case 'pass':
      forward(u, target, req, res);
  }
}

export async function startUpstream(opts: DockerRegistryOptions = {}): Promise<Upstream> {
  const registry = await startDockerRegistry(opts);
  const target = new URL(registry.url);
  let server: Server | undefined;
  const u: Upstream = {
    registry,
    url: '',
    seed: new RegistryClient({
      registry: registry.host,
      ...(opts.htpasswd
        ? { credentials: { username: opts.htpasswd.user, password: opts.htpasswd.password } }
        : {}),
    }),
    mode: 'pass',
    slowMs: 0,
    truncate: new Set(),
    throttleBlob: new Map(),
    requests: [],
    count: (method, path) => u.requests.filter((r) => r === `${method} ${path}`).length,
    close: () =>
      new Promise<void>((resolve) => {
        if (!server) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
        server = undefined;
      }),
    async stop() {
      await u.close();
      await registry.stop();
    },
  };
  server = createServer((req, res) => handle(u, target, req, res));
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  u.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return u;
}
