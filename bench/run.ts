/**
 * `npm run bench`: docker-registry vs Wharf on 127.0.0.1, same workloads, alternating servers
 * workload by workload (and flipping who goes first every round), median over BENCH_ROUNDS rounds.
 * Prints the table and, for a full comparison, rewrites the results section of docs/benchmarks.md.
 */
import { loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runGcFigure } from './gc.js';
import {
  machineInfo,
  markdownTable,
  type Results,
  record,
  roundsTable,
  rows,
  SERVERS,
  type ServerName,
  textTable,
  writeDocs,
} from './report.js';
import {
  installCleanupHandlers,
  killAllNow,
  memoryOf,
  REGISTRY_BIN,
  type Server,
  startDockerRegistry,
  startWharf,
} from './servers.js';
import {
  type Fixtures,
  figures,
  loadSettings,
  makeFixtures,
  makeRoundData,
  prepare,
  type RoundData,
  type Settings,
  type Target,
  target,
  type Values,
  workloads,
} from './suite.js';
import { WRK_BIN } from './wrk.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DOCS = resolve(REPO_ROOT, 'docs/benchmarks.md');
const MiB = 1024 * 1024;
const LOAD_AT_START = loadavg();

const log = (msg: string) => process.stderr.write(`${msg}\n`);

interface Entry {
  name: ServerName;
  server: Server;
  target: Target;
}

function selectedServers(): ServerName[] {
  const only = process.env.BENCH_ONLY?.trim();
  if (!only) return [...SERVERS];
  if (only === 'wharf') return ['wharf'];
  if (only === 'registry' || only === 'docker-registry') return ['docker-registry'];
  throw new Error(`BENCH_ONLY must be 'wharf' or 'registry', got '${only}'`);
}

function startWatchdog(): void {
  const seconds = Number(process.env.BENCH_TIMEOUT ?? 1200);
  setTimeout(() => {
    log(`bench: still running after ${seconds} s (BENCH_TIMEOUT), giving up`);
    killAllNow();
    process.exit(2);
  }, seconds * 1000).unref();
}

async function withTimeout<T>(work: Promise<T>, seconds: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, rej) => {
    timer = setTimeout(() => rej(new Error(`${what}: no result within ${seconds} s`)), seconds * 1000);
  });
  try {
    return await Promise.race([work, limit]);
  } finally {
    clearTimeout(timer);
  }
}

async function startAll(names: ServerName[], s: Settings, fx: Fixtures): Promise<Entry[]> {
  const entries: Entry[] = [];
  for (const name of names) {
    const server = name === 'wharf' ? await startWharf(REPO_ROOT) : await startDockerRegistry();
    log(`started ${name} (pid ${server.pid}) at ${server.url}: ${server.command}`);
    const t = target(server, s);
    await withTimeout(prepare(t, fx), 120, `${name}: setup`);
    entries.push({ name, server, target: t });
  }
  return entries;
}

function describe(values: Values): string {
  return [...values].map(([k, v]) => `${k}=${Number.isFinite(v) ? v.toFixed(1) : 'NaN'}`).join(' ');
}

/** One pass over every workload, servers alternating; failures are collected, not fatal. */
async function runRound(entries: Entry[], s: Settings, fx: Fixtures, data: RoundData, sink?: Results) {
  const errors: string[] = [];
  const order = data.round % 2 === 0 ? entries : [...entries].reverse();
  for (const wl of workloads(s, fx)) {
    for (const e of order) {
      const what = `${data.round < 0 ? 'warmup' : `round ${data.round + 1}`}: ${wl.name} on ${e.name}`;
      try {
        const values = await withTimeout(wl.run(e.target, data), s.wrkSeconds + 180, what);
        if (sink) record(sink, e.name, values);
        log(`  ${what}: ${describe(values)}`);
      } catch (err) {
        errors.push(`${what}: ${(err as Error).message.slice(0, 1500)}`);
        log(`  ${what}: FAILED ${(err as Error).message.split('\n')[0]}`);
      }
    }
  }
  return errors;
}

/** A small untimed pass so JITs, page cache and connection pools are warm before round 1. */
async function warmup(entries: Entry[], s: Settings, fx: Fixtures): Promise<void> {
  const w: Settings = { ...s, monoCount: 16, chunkedCount: 2, pulls: 1, manifestCount: 50, wrkSeconds: 2 };
  log('warmup (not measured)');
  const errors = await runRound(entries, w, fx, { ...makeRoundData(w, fx, 0), round: -2 });
  for (const e of errors) log(`  warmup: ${e}`);
}

function recordMemory(entries: Entry[], results: Results): void {
  for (const e of entries) {
    const mem = memoryOf(e.server.pid);
    record(
      results,
      e.name,
      new Map([
        ['rss', mem.rssBytes / MiB],
        ['hwm', mem.peakBytes / MiB],
      ]),
    );
  }
}

function shouldWriteDocs(names: ServerName[]): boolean {
  const flag = process.env.BENCH_DOCS;
  if (flag === '1' || flag === '0') return flag === '1';
  const override = Boolean(process.env.BENCH_WHARF_CMD) || process.env.BENCH_QUICK === '1';
  return names.length === SERVERS.length && !override;
}

/** A command line without the run's temp dirs, ports and absolute repo path. */
function portable(command: string): string {
  return command
    .replace(/\/tmp\/[^\s/]+/g, '<tmp>')
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:<port>')
    .replaceAll(`${REPO_ROOT}/`, '')
    .replace(process.execPath, 'node');
}

function docsSection(s: Settings, results: Results, errors: string[], entries: Entry[]): string {
  const figs = figures(s);
  const info = machineInfo(REGISTRY_BIN, WRK_BIN, REPO_ROOT, LOAD_AT_START).map((l) => `- ${l}`);
  const cmds = entries.map((e) => `- ${e.name}: \`${portable(e.server.command)}\``);
  const failed = errors.length
    ? ['', '**Failures in this run:**', '', ...errors.map((e) => `- ${e.split('\n')[0]}`)]
    : [];
  return [
    `Median of ${s.rounds} round(s); \`[unit ↑]\` higher is better, \`[unit ↓]\` lower is better; ratio > 1 means Wharf is better.`,
    '',
    markdownTable(rows(figs, results)),
    ...failed,
    '',
    '**Machine and versions**',
    '',
    ...info,
    '',
    '**Servers as started**',
    '',
    ...cmds,
    '',
    '<details><summary>Every round</summary>',
    '',
    roundsTable(figs, results),
    '',
    '</details>',
  ].join('\n');
}

async function main(): Promise<number> {
  installCleanupHandlers();
  startWatchdog();
  const s = loadSettings();
  const names = selectedServers();
  log(`bench: ${names.join(' vs ')}, ${s.rounds} round(s), wrk ${s.wrkSeconds} s; generating data…`);
  const fx = makeFixtures(s);
  const entries = await startAll(names, s, fx);
  if (s.warmup) await warmup(entries, s, fx);
  const results: Results = new Map();
  const errors: string[] = [];
  for (let round = 0; round < s.rounds; round++) {
    log(`round ${round + 1}/${s.rounds}`);
    errors.push(...(await runRound(entries, s, fx, makeRoundData(s, fx, round), results)));
  }
  recordMemory(entries, results);
  await Promise.all(entries.map((e) => e.target.pool.destroy()));
  await Promise.all(entries.map((e) => e.server.stop()));
  if (s.gcManifests > 0) {
    log(`garbage collection: ${s.gcManifests} manifests / ${s.gcBlobs} blobs (seeded, untimed)`);
    const shape = { manifests: s.gcManifests, blobs: s.gcBlobs };
    const gc = await withTimeout(runGcFigure(names, shape, REPO_ROOT), 900, 'gc figure');
    for (const [name, values] of gc.values) record(results, name, values);
    errors.push(...gc.errors);
  }
  process.stdout.write(`\n${textTable(rows(figures(s), results))}\n`);
  process.stdout.write(`(median of ${s.rounds}; ratio > 1 means wharf is better; bytes: MB = 10^6)\n`);
  if (shouldWriteDocs(names)) {
    writeDocs(DOCS, docsSection(s, results, errors, entries));
    log(`wrote ${DOCS}`);
  }
  for (const e of errors) log(`error: ${e}`);
  log(
    `bench: done in ${(performance.now() / 1000).toFixed(0)} s${errors.length ? `, ${errors.length} failure(s)` : ''}`,
  );
  return errors.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(`bench: ${(err as Error).stack ?? String(err)}`);
    killAllNow();
    process.exit(1);
  },
);
