import type { Command } from 'commander';
import { ApiClientError, seg } from '../../client/api-client.js';
import type { Json } from '../../client/json.js';
import { tryParseDigest } from '../../oci/digest.js';
import { formatReference } from '../../oci/reference.js';
import type { GateResult, Promotion as PromotionRecord } from '../../ports/promotion-store.js';
import { type RefCall, type RefFlags, referenceOf, refVerb, runOnRef, shortDigest } from './artifact-ref.js';
import { type CliIo, UsageError } from './io.js';
import { printDone } from './table.js';

type Promotion = Json<PromotionRecord>;

interface PromoteFlags extends RefFlags {
  to?: string;
  tag?: string;
}

interface ApproveFlags extends RefFlags {
  for?: string;
  name?: string;
  comment?: string;
}

interface RollbackFlags extends RefFlags {
  to?: string;
  tag?: string;
}

interface RevokeFlags extends RefFlags {
  reason?: string;
}

/** A refusal by the gates, every failing one named with its reason (the server's message is cut at 300). */
function gateRefusal(what: string, err: unknown): unknown {
  if (!(err instanceof ApiClientError)) return err;
  const gates = (err.detail as { gates?: GateResult[] } | undefined)?.gates;
  const failing = Array.isArray(gates) ? gates.filter((g) => !g.ok) : [];
  if (failing.length === 0) return err;
  const cut = (s: string) => (s.length > 160 ? `${s.slice(0, 157)}...` : s);
  const list = failing.map((g) => `${g.gate} (${cut(g.reason)})`).join('; ');
  return new Error(
    `${what}: refused by ${failing.length} gate${failing.length === 1 ? '' : 's'}: ${list} (HTTP ${err.status})`,
  );
}

const required = (value: string | undefined, flag: string): string => {
  if (value === undefined || value === '') throw new UsageError(`give ${flag}`);
  return value;
};

function registerPromoteVerb(program: Command, io: CliIo): void {
  const cmd = refVerb(program, 'promote', 'promote an artifact into another project when its gates pass')
    .option('--to <project>', 'the target project (staging, prod)')
    .option('--tag <tag>', 'the tag to produce (default: the source tag when it is semver)');
  runOnRef(io, cmd, async (c: RefCall<PromoteFlags>) => {
    const to = required(c.flags.to, '--to PROJECT');
    const ref = c.ref;
    const source = `${ref.repository}${ref.digest ? `@${ref.digest}` : `:${ref.tag ?? 'latest'}`}`;
    const body = { source, ...(c.flags.tag ? { tag: c.flags.tag } : {}) };
    const what = `promote ${formatReference(ref)} to ${to}`;
    const path = `/projects/${seg(to)}/promotions`;
    const p = await c.request<Promotion>({ method: 'POST', path, body, what }).catch((err: unknown) => {
      throw gateRefusal(what, err);
    });
    const line = `Promoted ${p.source} to ${ref.registry}/${p.repository}:${p.tag} (${p.gates.length} gates passed)`;
    printDone(io, c.format, p, line);
  });
}

function registerApprove(program: Command, io: CliIo): void {
  const cmd = refVerb(program, 'approve', 'record your approval of an artifact for promotion into a project')
    .option('--for <project>', 'the target project the approval is for')
    .option('--name <approval>', 'the approval (qa-signoff, security-review, change-ticket)')
    .option('--comment <text>', 'a comment kept with the approval (a ticket number)');
  runOnRef(io, cmd, async (c: RefCall<ApproveFlags>) => {
    const target = required(c.flags.for, '--for PROJECT');
    const name = required(c.flags.name, '--name APPROVAL');
    const body = { target, name, ...(c.flags.comment ? { comment: c.flags.comment } : {}) };
    const path = `${c.repoPath}/artifacts/${seg(referenceOf(c.ref))}/approvals`;
    const what = `approve ${formatReference(c.ref)} for ${target}`;
    const a = await c.request<{ digest: string }>({ method: 'POST', path, body, what });
    printDone(io, c.format, a, `Approved ${shortDigest(a.digest)} for ${target}: ${name}`);
  });
}

function registerRollback(program: Command, io: CliIo): void {
  const cmd = refVerb(
    program,
    'rollback',
    'move a tag back to a digest it pointed at before (last-known-good)',
  )
    .option('--to <digest>', 'the digest to go back to')
    .option(
      '--tag <tag>',
      'the tag to move, as REPO:TAG does (default: the one tag whose history holds the digest)',
    );
  runOnRef(io, cmd, async (c: RefCall<RollbackFlags>) => {
    const digest = required(c.flags.to, '--to DIGEST');
    if (!tryParseDigest(digest)) throw new UsageError(`--to must be a digest (got "${digest}")`);
    if (c.ref.digest)
      throw new UsageError('name the repository (REPO or REPO:TAG), not a digest; the digest is --to');
    const named = c.tagGiven ? c.ref.tag : undefined;
    if (c.flags.tag && named && c.flags.tag !== named)
      throw new UsageError(`two tags given: ${c.ref.repository}:${named} and --tag ${c.flags.tag}`);
    const tag = c.flags.tag ?? named;
    const body = { digest, ...(tag ? { tag } : {}) };
    const what = `roll back ${c.ref.registry}/${c.ref.repository}${tag ? `:${tag}` : ''} to ${digest}`;
    const r = await c.request<{ tag: string; from: string | null; to: string }>({
      method: 'POST',
      path: `${c.repoPath}/rollback`,
      body,
      what,
    });
    const line = `Rolled ${c.ref.repository}:${r.tag} back from ${shortDigest(r.from) ?? 'nothing'} to ${r.to}`;
    printDone(io, c.format, r, line);
  });
}

function registerRevoke(program: Command, io: CliIo): void {
  const revoke = refVerb(
    program,
    'revoke',
    'revoke a digest registry-wide: pulls refused, tagged revoked-YYYYMMDD',
  ).option('--reason <text>', 'why (shown to refused pulls)');
  runOnRef(io, revoke, async (c: RefCall<RevokeFlags>) => {
    const path = `${c.repoPath}/artifacts/${seg(referenceOf(c.ref))}/revoke`;
    const body = c.flags.reason ? { reason: c.flags.reason } : {};
    const what = `revoke ${formatReference(c.ref)}`;
    const r = await c.request<{ revocation: { digest: string }; tag: string }>({
      method: 'POST',
      path,
      body,
      what,
    });
    printDone(io, c.format, r, `Revoked ${r.revocation.digest}; tagged ${c.ref.repository}:${r.tag}`);
  });
  const unrevoke = refVerb(program, 'unrevoke', 'lift a revocation (project admins): pulls work again');
  runOnRef(io, unrevoke, async (c: RefCall<RefFlags>) => {
    const path = `${c.repoPath}/artifacts/${seg(referenceOf(c.ref))}/revoke`;
    await c.request({ method: 'DELETE', path, what: `lift the revocation of ${formatReference(c.ref)}` });
    printDone(
      io,
      c.format,
      { reference: formatReference(c.ref), revoked: false },
      `Lifted the revocation of ${formatReference(c.ref)}`,
    );
  });
}

/** `wharf promote`, `approve`, `rollback`, `revoke` and `unrevoke`. */
export function registerPromote(program: Command, io: CliIo): void {
  registerPromoteVerb(program, io);
  registerApprove(program, io);
  registerRollback(program, io);
  registerRevoke(program, io);
}
