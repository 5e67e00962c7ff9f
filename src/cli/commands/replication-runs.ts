import type { Command } from 'commander';
import type { Json } from '../../client/json.js';
import type { ArtifactRecord, ExecutionRecord } from '../../ports/replication-store.js';
import { type CliIo, humanBytes, UsageError } from './io.js';
import { type ApiFlags, type Call, run, verb } from './manage.js';
import { type Column, printRecord, printRows, shortTime } from './table.js';
import { parseLimit } from './values.js';

type Execution = Json<ExecutionRecord>;
type Artifact = Json<ArtifactRecord>;

type Detail = Execution & { artifacts: Artifact[] };

interface RunFlags extends ApiFlags {
  dryRun?: boolean;
  wait?: boolean;
  policy?: string;
  limit?: string;
}

const COLUMNS: Column<Execution>[] = [
  { header: 'ID', get: (e) => e.id },
  { header: 'POLICY', get: (e) => e.policyId },
  { header: 'TRIGGER', get: (e) => e.trigger },
  { header: 'DRY', get: (e) => e.dryRun },
  { header: 'STATUS', get: (e) => e.status },
  { header: 'TOTAL', get: (e) => e.counts.total },
  { header: 'COPIED', get: (e) => (e.dryRun ? e.counts.planned : e.counts.copied) },
  { header: 'SKIPPED', get: (e) => e.counts.skipped },
  { header: 'FAILED', get: (e) => e.counts.failed },
  { header: 'PENDING', get: (e) => e.counts.pending },
  { header: 'STARTED', get: (e) => shortTime(e.startedAt) },
  { header: 'FINISHED', get: (e) => shortTime(e.finishedAt) },
];

const FIELDS: Column<Execution>[] = [
  ...COLUMNS.filter((c) => !['TOTAL', 'COPIED', 'SKIPPED', 'FAILED', 'PENDING'].includes(c.header)),
  { header: 'ARTIFACTS', get: (e) => countsText(e) },
  { header: 'ERROR', get: (e) => e.error },
];

const ARTIFACT_COLUMNS: Column<Artifact>[] = [
  { header: 'REPOSITORY', get: (a) => a.repository },
  { header: 'TAG', get: (a) => a.tag },
  { header: 'DESTINATION', get: (a) => a.destination },
  { header: 'DIGEST', get: (a) => a.digest?.slice(0, 19) },
  { header: 'STATUS', get: (a) => a.status },
  { header: 'BYTES', get: (a) => humanBytes(a.bytes) },
  { header: 'ATTEMPTS', get: (a) => a.attempts },
  { header: 'ERROR', get: (a) => a.error },
];

function countsText(e: Execution): string {
  const c = e.counts;
  const moved = e.dryRun ? `${c.planned} to copy` : `${c.copied} copied`;
  return `${c.total}: ${moved}, ${c.skipped} skipped, ${c.failed} failed, ${c.pending} pending`;
}

const FINAL = new Set(['succeeded', 'failed']);

/** The policy a name or id names (ids are numbers; names are looked up). */
export async function policyId(c: Call<ApiFlags>, ref: string): Promise<number> {
  if (/^[1-9]\d{0,9}$/.test(ref)) return Number(ref);
  const all = await c.request<{ id: number; name: string }[]>({
    path: '/replication/policies',
    what: 'list replication policies',
  });
  const found = all.find((p) => p.name === ref);
  if (!found) throw new UsageError(`no replication policy named "${ref}"`);
  return found.id;
}

async function waitFor(c: Call<RunFlags>, id: number): Promise<Detail> {
  for (;;) {
    const d = await c.request<Detail>({
      path: `/replication/executions/${id}`,
      what: `show execution ${id}`,
    });
    if (FINAL.has(d.status)) return d;
    await new Promise((r) => setTimeout(r, 500));
  }
}

function printDetail(io: CliIo, c: Call<RunFlags>, d: Detail): void {
  if (c.format === 'json') {
    printRecord(io, 'json', d, FIELDS);
    return;
  }
  printRecord(io, 'text', d, FIELDS);
  if (d.artifacts.length > 0) {
    io.stdout('\n');
    printRows(io, 'text', d.artifacts, ARTIFACT_COLUMNS);
  }
}

export function registerReplicationRuns(parent: Command, io: CliIo): void {
  const runVerb = verb(parent, 'run', 'run a policy now (queued; --wait to see it through)')
    .argument('<policy>', 'name or id')
    .option('--dry-run', 'list what a run would copy; copy nothing')
    .option('--wait', 'wait for the execution to finish and show its artifacts');
  run(io, runVerb, async (c: Call<RunFlags>, [ref]: [string]) => {
    const id = await policyId(c, ref);
    const e = await c.request<Execution>({
      method: 'POST',
      path: `/replication/policies/${id}/executions`,
      body: { dryRun: c.flags.dryRun === true },
      what: `run replication policy ${ref}`,
    });
    if (!c.flags.wait) {
      if (c.format === 'json') return printRecord(io, 'json', e, FIELDS);
      return io.stdout(`Queued execution ${e.id} of ${ref}${e.dryRun ? ' (dry run)' : ''}\n`);
    }
    const d = await waitFor(c, e.id);
    printDetail(io, c, d);
    if (d.status === 'failed') throw new Error(`execution ${d.id} failed${d.error ? `: ${d.error}` : ''}`);
  });

  const list = verb(parent, 'executions', 'executions, newest first')
    .option('--policy <policy>', 'of one policy (name or id)')
    .option('--limit <n>', 'at most this many (default 20)');
  run(io, list, async (c: Call<RunFlags>) => {
    const policy = c.flags.policy === undefined ? undefined : await policyId(c, c.flags.policy);
    const r = {
      path: `/replication/executions${policy === undefined ? '' : `?policy=${policy}`}`,
      what: 'list replication executions',
    };
    printRows(io, c.format, await c.list<Execution>(r, parseLimit(c.flags.limit) ?? 20), COLUMNS);
  });

  const show = verb(parent, 'execution', 'one execution with its per-artifact results').argument(
    '<id>',
    'execution id',
  );
  run(io, show, async (c: Call<RunFlags>, [id]: [string]) => {
    if (!/^[1-9]\d{0,14}$/.test(id)) throw new UsageError(`the execution id must be a number (got "${id}")`);
    printDetail(
      io,
      c,
      await c.request<Detail>({ path: `/replication/executions/${id}`, what: `show execution ${id}` }),
    );
  });
}
