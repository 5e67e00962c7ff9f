/** Turns per-round figures into the results table (terminal and markdown) and docs/benchmarks.md. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, release, totalmem } from 'node:os';
import type { Figure } from './suite.js';

export const SERVERS = ['docker-registry', 'wharf'] as const;
export type ServerName = (typeof SERVERS)[number];

/** figure id → server → one value per round (NaN where a round failed). */
export type Results = Map<string, Map<ServerName, number[]>>;

export function record(results: Results, server: ServerName, values: Map<string, number>): void {
  for (const [id, value] of values) {
    const byServer = results.get(id) ?? new Map<ServerName, number[]>();
    results.set(id, byServer);
    const list = byServer.get(server) ?? [];
    byServer.set(server, list);
    list.push(value);
  }
}

export function median(values: readonly number[]): number {
  const ok = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (ok.length === 0) return Number.NaN;
  const mid = Math.floor(ok.length / 2);
  const hi = ok[mid] ?? Number.NaN;
  return ok.length % 2 === 1 ? hi : ((ok[mid - 1] ?? hi) + hi) / 2;
}

function fmt(value: number, unit: string): string {
  if (!Number.isFinite(value)) return '—';
  if (unit === 'ms') return value.toFixed(2);
  if (value >= 1000) return Math.round(value).toLocaleString('en-US');
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}

/** Ratio oriented so that > 1 always means Wharf is better. */
export function ratio(fig: Figure, registry: number, wharf: number): number {
  return fig.better === 'higher' ? wharf / registry : registry / wharf;
}

export interface Row {
  figure: string;
  registry: string;
  wharf: string;
  ratio: string;
}

export function rows(figs: readonly Figure[], results: Results): Row[] {
  return figs.map((fig) => {
    const r = median(results.get(fig.id)?.get('docker-registry') ?? []);
    const w = median(results.get(fig.id)?.get('wharf') ?? []);
    const q = ratio(fig, r, w);
    const arrow = fig.better === 'higher' ? '↑' : '↓';
    return {
      figure: `${fig.label} [${fig.unit} ${arrow}]`,
      registry: fmt(r, fig.unit),
      wharf: fmt(w, fig.unit),
      ratio: Number.isFinite(q) && q > 0 ? `${q.toFixed(2)}×` : '—',
    };
  });
}

const HEADER: Row = { figure: 'figure', registry: 'docker-registry', wharf: 'wharf', ratio: 'ratio' };

export function textTable(table: readonly Row[]): string {
  const all = [HEADER, ...table];
  const width = (k: keyof Row) => Math.max(...all.map((r) => r[k].length));
  const w = {
    figure: width('figure'),
    registry: width('registry'),
    wharf: width('wharf'),
    ratio: width('ratio'),
  };
  const line = (r: Row) =>
    `${r.figure.padEnd(w.figure)} | ${r.registry.padStart(w.registry)} | ${r.wharf.padStart(w.wharf)} | ${r.ratio.padStart(w.ratio)}`;
  const rule = `${'-'.repeat(w.figure)}-+-${'-'.repeat(w.registry)}-+-${'-'.repeat(w.wharf)}-+-${'-'.repeat(w.ratio)}`;
  return [line(HEADER), rule, ...table.map(line)].join('\n');
}

export function markdownTable(table: readonly Row[]): string {
  const esc = (s: string) => s.replaceAll('|', '\\|');
  const line = (r: Row) => `| ${esc(r.figure)} | ${r.registry} | ${r.wharf} | ${r.ratio} |`;
  return [
    '| figure | docker-registry | wharf | ratio (>1: wharf better) |',
    '|---|---:|---:|---:|',
    ...table.map(line),
  ].join('\n');
}

/** Every round's value, to judge the noise behind each median. */
export function roundsTable(figs: readonly Figure[], results: Results): string {
  const cell = (fig: Figure, s: ServerName) =>
    (results.get(fig.id)?.get(s) ?? []).map((v) => fmt(v, fig.unit)).join(' / ') || '—';
  return [
    '| figure | docker-registry | wharf |',
    '|---|---:|---:|',
    ...figs.map((f) => `| ${f.label} [${f.unit}] | ${cell(f, 'docker-registry')} | ${cell(f, 'wharf')} |`),
  ].join('\n');
}

function commandOutput(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 5000 });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0] ?? '';
}

/** `loadAtStart` is os.loadavg() before the servers started: other work on the machine adds noise. */
export function machineInfo(
  registryBin: string,
  wrkBin: string,
  repoRoot: string,
  loadAtStart: number[],
): string[] {
  const git = (...args: string[]) =>
    spawnSync('git', ['-C', repoRoot, ...args], { encoding: 'utf8' }).stdout ?? '';
  const dirty = git('status', '--porcelain', '--', 'src').trim() ? ' + uncommitted changes in src/' : '';
  return [
    `date: ${new Date().toISOString()}`,
    `nproc: ${availableParallelism()} (${cpus()[0]?.model ?? 'unknown CPU'}), memory ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `kernel: Linux ${release()}`,
    `load average before the run: ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}`,
    `node: ${process.version}`,
    `docker-registry: ${commandOutput(registryBin, ['--version'])}`,
    `wrk: ${commandOutput(wrkBin, ['--version']).replace(/\s+Copyright.*/, '')}`,
    `wharf: ${git('rev-parse', '--short', 'HEAD').trim() || 'unknown commit'}${dirty}, as built into dist/`,
  ];
}

const BEGIN = '<!-- bench:results:begin -->';
const END = '<!-- bench:results:end -->';

/** Replaces the results section of docs/benchmarks.md (between the markers), keeping the intro. */
export function writeDocs(path: string, section: string): void {
  const block = `${BEGIN}\n${section.trim()}\n${END}`;
  const old = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
  const start = old.indexOf(BEGIN);
  const end = old.indexOf(END);
  const next =
    start >= 0 && end > start
      ? `${old.slice(0, start)}${block}${old.slice(end + END.length)}`
      : `${old.trimEnd()}\n\n## Results\n\n${block}\n`;
  writeFileSync(path, next);
}
