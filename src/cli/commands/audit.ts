import type { Command } from 'commander';
import { seg } from '../../client/api-client.js';
import type { CliIo } from './io.js';
import { type ApiFlags, type Call, run, verb } from './manage.js';
import { type Column, printRows, shortTime } from './table.js';
import { collect, parseLimit, parseWhen, splitList } from './values.js';

/** An audit event as GET /api/v1/audit returns it. */
interface AuditEvent {
  id: string;
  type: string;
  occurredAt: string;
  actor: { name: string; kind: string };
  clientIp: string;
  project: string | null;
  repository: string | null;
  digest: string | null;
  tag: string | null;
  outcome: string;
}

interface AuditFlags extends ApiFlags {
  project?: string;
  actor?: string;
  type?: string[];
  since?: string;
  until?: string;
  limit?: string;
  all?: boolean;
}

/** Events shown when neither --limit nor --all is given. */
export const DEFAULT_EVENTS = 100;

/** `sha256:0123456789ab…` for a digest, else the tag. */
export const shortRef = (tag: string | null, digest: string | null): string | null =>
  tag ?? (digest ? `${digest.slice(0, 19)}…` : null);

const COLUMNS: Column<AuditEvent>[] = [
  { header: 'TIME', get: (e) => shortTime(e.occurredAt) },
  { header: 'TYPE', get: (e) => e.type },
  { header: 'ACTOR', get: (e) => e.actor.name },
  { header: 'REPOSITORY', get: (e) => e.repository ?? e.project },
  { header: 'REF', get: (e) => shortRef(e.tag, e.digest) },
  { header: 'OUTCOME', get: (e) => e.outcome },
  { header: 'CLIENT', get: (e) => e.clientIp },
];

async function listAudit({ list, flags, format, io }: Call<AuditFlags>): Promise<void> {
  const limit = flags.all ? undefined : (parseLimit(flags.limit) ?? DEFAULT_EVENTS);
  const types = splitList(flags.type);
  const query = {
    actor: flags.actor,
    type: types.length > 0 ? types.join(',') : undefined,
    from: flags.since === undefined ? undefined : parseWhen(flags.since, '--since', -1),
    to: flags.until === undefined ? undefined : parseWhen(flags.until, '--until', -1),
  };
  const p = flags.project;
  const path = p === undefined ? '/audit' : `/projects/${seg(p)}/audit`;
  const what = p === undefined ? 'read the audit log' : `read the audit log of project ${p}`;
  printRows(io, format, await list<AuditEvent>({ path, query, what }, limit), COLUMNS);
}

export function registerAudit(program: Command, io: CliIo): void {
  const audit = verb(
    program,
    'audit',
    'show the audit log, newest first (administrators; project admins with --project)',
  )
    .option('--project <project>', "one project's events")
    .option('--actor <name>', 'events of this user or robot')
    .option('--type <types>', 'PUSH_ARTIFACT,PULL_ARTIFACT,DELETE_ARTIFACT,TAG_MOVED,… (repeatable)', collect)
    .option('--since <when>', 'from this long ago (1h, 7d) or this date')
    .option('--until <when>', 'before this long ago or this date')
    .option('--limit <n>', `at most this many events (default ${DEFAULT_EVENTS})`)
    .option('--all', 'every matching event');
  run(io, audit, listAudit);
}
