import type { Command } from 'commander';
import type { Json } from '../../client/json.js';
import type { GcRunRecord } from '../../ports/gc-store.js';
import type { ScrubReport as ScrubReportRecord } from '../../services/lifecycle/index.js';
import { type CliIo, humanBytes, printJson } from './io.js';
import { type ApiFlags, type Call, run, verb } from './manage.js';
import { type Column, printRecord, printRows, shortTime } from './table.js';
import { parseLimit } from './values.js';

/** A run as POST/GET /api/v1/system/gc return it. */
type GcRun = Json<GcRunRecord>;

type ScrubReport = Json<ScrubReportRecord>;

interface GcFlags extends ApiFlags {
  dryRun?: boolean;
  history?: boolean;
  limit?: string;
}

const RUN_FIELDS: Column<GcRun>[] = [
  { header: 'RUN', get: (r) => r.id },
  { header: 'DRY RUN', get: (r) => r.dryRun },
  { header: 'LINKS REMOVED', get: (r) => r.linksRemoved },
  { header: 'BLOBS DELETED', get: (r) => `${r.blobsDeleted} (${humanBytes(r.blobBytes)})` },
  { header: 'ORPHAN FILES', get: (r) => `${r.orphanFiles} (${humanBytes(r.orphanBytes)})` },
  { header: 'UPLOADS EXPIRED', get: (r) => r.uploadsExpired },
  { header: 'BYTES FREED', get: (r) => humanBytes(r.bytesFreed) },
  { header: 'GRACE', get: (r) => `${r.graceHours} h` },
  { header: 'DURATION', get: (r) => `${r.durationMs} ms` },
  { header: 'ERROR', get: (r) => r.error },
];

const HISTORY_COLUMNS: Column<GcRun>[] = [
  { header: 'RUN', get: (r) => r.id },
  { header: 'STARTED', get: (r) => shortTime(r.startedAt) },
  { header: 'TRIGGER', get: (r) => r.trigger },
  { header: 'DRY', get: (r) => r.dryRun },
  { header: 'LINKS', get: (r) => r.linksRemoved },
  { header: 'BLOBS', get: (r) => r.blobsDeleted },
  { header: 'ORPHANS', get: (r) => r.orphanFiles },
  { header: 'UPLOADS', get: (r) => r.uploadsExpired },
  { header: 'FREED', get: (r) => humanBytes(r.bytesFreed) },
  { header: 'DURATION', get: (r) => `${r.durationMs} ms` },
  { header: 'ERROR', get: (r) => r.error },
];

const PROBLEM_COLUMNS: Column<ScrubReport['problems'][number]>[] = [
  { header: 'DIGEST', get: (p) => p.digest },
  { header: 'PROBLEM', get: (p) => p.problem },
  { header: 'SIZE', get: (p) => p.size },
  { header: 'ACTUAL SIZE', get: (p) => p.actualSize },
  { header: 'ACTUAL DIGEST', get: (p) => p.actualDigest },
];

async function gc({ request, list, flags, format, io }: Call<GcFlags>): Promise<void> {
  if (flags.history) {
    const limit = parseLimit(flags.limit) ?? 20;
    printRows(
      io,
      format,
      await list<GcRun>({ path: '/system/gc', what: 'list garbage collections' }, limit),
      HISTORY_COLUMNS,
    );
    return;
  }
  const dryRun = flags.dryRun === true;
  const r = await request<GcRun>({
    method: 'POST',
    path: '/system/gc',
    body: { dryRun },
    what: dryRun ? 'dry-run garbage collection' : 'collect garbage',
  });
  printRecord(io, format, r, RUN_FIELDS);
  if (r.error !== null) io.setExitCode(1);
}

async function scrub({ request, format, io }: Call<ApiFlags>): Promise<void> {
  const r = await request<ScrubReport>({ method: 'POST', path: '/system/scrub', what: 'scrub blobs' });
  if (format === 'json') printJson(io, r);
  else {
    const summary = `checked ${r.checked} blob(s), ${humanBytes(r.bytes)} in ${r.durationMs} ms: ${r.corrupt} corrupt, ${r.missing} missing`;
    io.stdout(`${summary}\n`);
    if (r.problems.length > 0) printRows(io, format, r.problems, PROBLEM_COLUMNS);
  }
  // Found damage is a failure a script can test for.
  if (r.corrupt + r.missing > 0) io.setExitCode(1);
}

export function registerGc(program: Command, io: CliIo): void {
  const gcCmd = verb(
    program,
    'gc',
    'collect unreferenced blobs now, online (administrators): links, blobs, orphan files, expired uploads',
  )
    .option('--dry-run', 'report what would be deleted; delete nothing')
    .option('--history', 'list past runs (newest first) instead of running')
    .option('--limit <n>', 'with --history: at most this many runs (default 20)');
  run(io, gcCmd, gc);
  const scrubCmd = verb(
    program,
    'scrub',
    "verify every stored blob's digest and size (administrators); exits 1 when any is corrupt or missing",
  );
  run(io, scrubCmd, scrub);
}
