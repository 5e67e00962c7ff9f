import type { Command } from 'commander';
import { seg } from '../../client/api-client.js';
import { formatReference } from '../../oci/reference.js';
import { type RefCall, type RefFlags, refVerb, runOnRef, shortDigest } from './artifact-ref.js';
import { type CliIo, UsageError } from './io.js';
import { type Column, printRows, shortTime } from './table.js';
import { parseLimit } from './values.js';

/** A history entry as GET …/tags/{tag}/history returns it. */
interface HistoryEntry {
  id: number;
  tag: string;
  action: 'created' | 'moved' | 'deleted';
  from: string | null;
  to: string | null;
  actor: string;
  actorKind: string;
  at: string;
}

interface HistoryFlags extends RefFlags {
  limit?: string;
}

const COLUMNS: Column<HistoryEntry>[] = [
  { header: 'TIME', get: (e) => shortTime(e.at) },
  { header: 'ACTION', get: (e) => e.action },
  { header: 'FROM', get: (e) => shortDigest(e.from) },
  { header: 'TO', get: (e) => shortDigest(e.to) },
  { header: 'BY', get: (e) => (e.actorKind === 'user' ? e.actor : `${e.actor} (${e.actorKind})`) },
];

export function registerTag(program: Command, io: CliIo): void {
  const tag = program.command('tag').description("a tag's history on a Wharf server");
  const history = refVerb(tag, 'history', "a tag's creations, moves and deletions, newest first").option(
    '--limit <n>',
    'at most this many (default: all)',
  );
  runOnRef(io, history, async (c: RefCall<HistoryFlags>) => {
    if (c.ref.digest !== undefined) throw new UsageError('tag history takes HOST/REPO:TAG, not a digest');
    const name = c.ref.tag ?? 'latest';
    const what = `tag history of ${formatReference(c.ref)}`;
    const path = `${c.repoPath}/tags/${seg(name)}/history`;
    printRows(io, c.format, await c.list<HistoryEntry>({ path, what }, parseLimit(c.flags.limit)), COLUMNS);
  });
}
