/** Runs `wrk --latency` against one URL and parses requests/s and the latency distribution. */
import { spawn } from 'node:child_process';

export const WRK_BIN = process.env.WRK_BIN ?? '/usr/bin/wrk';

export interface WrkOptions {
  url: string;
  threads: number;
  connections: number;
  durationSeconds: number;
  headers?: readonly string[];
}

export interface WrkResult {
  requestsPerSec: number;
  requests: number;
  /** Percentile (50, 75, 90, 99) → latency in milliseconds. */
  latencyMs: Map<number, number>;
  non2xx: number;
  socketErrors: number;
  raw: string;
}

const TIME_UNITS_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** wrk prints times as `812.00us`, `1.23ms`, `2.00s`, `1.00m`. */
export function parseDuration(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(text.trim());
  const unit = m?.[2] ? TIME_UNITS_MS[m[2]] : undefined;
  if (!m?.[1] || unit === undefined) throw new Error(`wrk: cannot parse duration '${text}'`);
  return Number(m[1]) * unit;
}

/** wrk prints counts with k/M/G suffixes in some places (`26.00k`); plain numbers elsewhere. */
function parseCount(text: string): number {
  const m = /^([\d.]+)([kMG]?)$/.exec(text.trim());
  if (!m?.[1]) throw new Error(`wrk: cannot parse number '${text}'`);
  const mult = { '': 1, k: 1e3, M: 1e6, G: 1e9 }[m[2] ?? ''] ?? 1;
  return Number(m[1]) * mult;
}

export function parseWrkOutput(raw: string): WrkResult {
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(raw);
  if (!rps?.[1]) throw new Error(`wrk: no Requests/sec in output:\n${raw}`);
  const latencyMs = new Map<number, number>();
  const dist = /Latency Distribution\n((?:[ \t]+[\d.]+%[ \t]+\S+[ \t]*\n)+)/.exec(raw);
  for (const line of dist?.[1]?.split('\n') ?? []) {
    const m = /^\s*([\d.]+)%\s+(\S+)/.exec(line);
    if (m?.[1] && m[2]) latencyMs.set(Number(m[1]), parseDuration(m[2]));
  }
  const total = /^\s*(\d+) requests in/m.exec(raw);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(raw);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(raw);
  const socketErrors = sock ? sock.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return {
    requestsPerSec: parseCount(rps[1]),
    requests: total?.[1] ? Number(total[1]) : 0,
    latencyMs,
    non2xx: non2xx?.[1] ? Number(non2xx[1]) : 0,
    socketErrors,
    raw,
  };
}

/** Runs wrk with a hard time limit (duration + 30 s); rejects on non-zero exit or failed requests. */
export async function runWrk(opts: WrkOptions): Promise<WrkResult> {
  const args = [
    `-t${opts.threads}`,
    `-c${opts.connections}`,
    `-d${opts.durationSeconds}s`,
    '--timeout',
    '5s',
    '--latency',
    ...(opts.headers ?? []).flatMap((h) => ['-H', h]),
    opts.url,
  ];
  const raw = await new Promise<string>((res, rej) => {
    const child = spawn(WRK_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (out += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), (opts.durationSeconds + 30) * 1000);
    child.once('error', (err) => {
      clearTimeout(timer);
      rej(new Error(`wrk: ${err.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) res(out);
      else rej(new Error(`wrk exited (${code ?? signal}):\n${out}`));
    });
  });
  const result = parseWrkOutput(raw);
  if (result.non2xx > 0 || result.socketErrors > 0 || result.requests === 0) {
    throw new Error(
      `wrk ${opts.url}: ${result.non2xx} non-2xx, ${result.socketErrors} socket errors, ` +
        `${result.requests} requests:\n${raw}`,
    );
  }
  return result;
}
