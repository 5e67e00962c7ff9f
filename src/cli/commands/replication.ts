import type { Command } from 'commander';
import { type CliIo, UsageError } from './io.js';
import { type ApiFlags, type Call, readSecretStdin, run, verb } from './manage.js';
import { policyId, registerReplicationRuns } from './replication-runs.js';
import { type Column, printDone, printRows, shortTime } from './table.js';

/** A policy as /api/v1/replication/policies returns it. */
export interface Policy {
  id: number;
  name: string;
  description: string;
  project: string | null;
  mode: 'push' | 'pull';
  endpoint: { url: string; insecure: boolean; credentials: { type: string } | null };
  filters: { repository?: string; tag?: string; label?: string; artifactType?: string };
  trigger: { kind: 'manual' | 'onPush' | 'cron'; schedule?: string };
  destinationNamespace: string | null;
  deleteReplication: boolean;
  enabled: boolean;
  createdAt: string;
}

interface PolicyFlags extends ApiFlags {
  mode?: string;
  url?: string;
  insecure?: boolean;
  remoteUser?: string;
  remotePasswordStdin?: boolean;
  remoteTokenStdin?: boolean;
  project?: string;
  repository?: string;
  tag?: string;
  label?: string;
  artifactType?: string;
  trigger?: string;
  schedule?: string;
  namespace?: string;
  delete?: boolean;
  disabled?: boolean;
  description?: string;
}

const filtersText = (p: Policy) =>
  Object.entries(p.filters)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
const triggerText = (p: Policy) =>
  p.trigger.kind === 'cron' ? `cron ${p.trigger.schedule}` : p.trigger.kind;

const COLUMNS: Column<Policy>[] = [
  { header: 'ID', get: (p) => p.id },
  { header: 'NAME', get: (p) => p.name },
  { header: 'MODE', get: (p) => p.mode },
  { header: 'ENDPOINT', get: (p) => p.endpoint.url },
  { header: 'AUTH', get: (p) => p.endpoint.credentials?.type ?? 'anonymous' },
  { header: 'FILTERS', get: filtersText },
  { header: 'TRIGGER', get: triggerText },
  { header: 'ENABLED', get: (p) => p.enabled },
  { header: 'CREATED', get: (p) => shortTime(p.createdAt) },
];

const TRIGGERS: Record<string, string> = { manual: 'manual', push: 'onPush', onpush: 'onPush', cron: 'cron' };

function trigger(f: PolicyFlags): Record<string, unknown> {
  const kind = TRIGGERS[(f.trigger ?? (f.schedule !== undefined ? 'cron' : 'manual')).toLowerCase()];
  if (!kind) throw new UsageError(`--trigger must be manual, push or cron (got "${f.trigger}")`);
  if (kind === 'cron') {
    if (f.schedule === undefined)
      throw new UsageError('--trigger cron needs --schedule HH:MM or an interval (15m)');
    return { kind, schedule: f.schedule };
  }
  if (f.schedule !== undefined) throw new UsageError('--schedule goes with --trigger cron');
  return { kind };
}

async function credentials(c: Call<PolicyFlags>): Promise<Record<string, string> | undefined> {
  const f = c.flags;
  if (f.remotePasswordStdin && f.remoteTokenStdin)
    throw new UsageError('--remote-password-stdin and --remote-token-stdin are mutually exclusive');
  if (f.remoteTokenStdin) return { type: 'token', token: await readSecretStdin(c.io) };
  if (f.remoteUser === undefined) {
    if (f.remotePasswordStdin) throw new UsageError('--remote-password-stdin needs --remote-user');
    return undefined;
  }
  if (!f.remotePasswordStdin) throw new UsageError('--remote-user needs --remote-password-stdin');
  return { type: 'basic', username: f.remoteUser, password: await readSecretStdin(c.io) };
}

async function body(c: Call<PolicyFlags>, name: string): Promise<Record<string, unknown>> {
  const f = c.flags;
  if (f.mode !== 'push' && f.mode !== 'pull')
    throw new UsageError(`--mode must be push or pull (got "${f.mode}")`);
  const creds = await credentials(c);
  const filters = {
    ...(f.repository !== undefined ? { repository: f.repository } : {}),
    ...(f.tag !== undefined ? { tag: f.tag } : {}),
    ...(f.label !== undefined ? { label: f.label } : {}),
    ...(f.artifactType !== undefined ? { artifactType: f.artifactType } : {}),
  };
  return {
    name,
    mode: f.mode,
    endpoint: {
      url: f.url,
      ...(f.insecure ? { insecure: true } : {}),
      ...(creds ? { credentials: creds } : {}),
    },
    filters,
    trigger: trigger(f),
    ...(f.description !== undefined ? { description: f.description } : {}),
    ...(f.project !== undefined ? { project: f.project } : {}),
    ...(f.namespace !== undefined ? { destinationNamespace: f.namespace } : {}),
    ...(f.delete ? { deleteReplication: true } : {}),
    ...(f.disabled ? { enabled: false } : {}),
  };
}

function registerPolicy(parent: Command, io: CliIo): void {
  const policy = parent.command('policy').description('replication policies (system admins)');
  const create = verb(policy, 'create', 'add a replication policy')
    .argument('<name>', 'policy name')
    .requiredOption('--mode <mode>', 'push (this registry → the endpoint) or pull (the endpoint → here)')
    .requiredOption('--url <url>', 'the other registry: https://host[:port]')
    .option('--insecure', 'allow http, or https without certificate checks')
    .option(
      '--remote-user <user>',
      'the endpoint user (its password or token read with --remote-password-stdin)',
    )
    .option('--remote-password-stdin', "read the endpoint user's password or access token from stdin")
    .option('--remote-token-stdin', 'read a static Bearer token for the endpoint from stdin')
    .option('--project <project>', "only this project's repositories")
    .option('--repository <glob>', 'repositories (** crosses /, * does not, {a,b})')
    .option('--tag <glob>', 'tags (v*)')
    .option('--label <key[=value]>', 'only artifacts with this label (push mode)')
    .option('--artifact-type <type>', 'only artifacts of this artifactType (or config media type)')
    .option('--trigger <trigger>', 'manual (default), push or cron')
    .option('--schedule <when>', 'for cron: HH:MM daily (UTC), or an interval like 30s, 15m, 6h')
    .option('--namespace <prefix>', 'prefix repository names with this at the destination')
    .option('--delete', 'replicate deletions too (push mode, push trigger)')
    .option('--description <text>', 'what the policy is for')
    .option('--disabled', 'create it disabled');
  run(
    io,
    create,
    async (c: Call<PolicyFlags>, [name]: [string]) => {
      const p = await c.request<Policy>({
        method: 'POST',
        path: '/replication/policies',
        body: await body(c, name),
        what: `create replication policy ${name}`,
      });
      printDone(io, c.format, p, `Created replication policy ${p.name} (${p.id})`);
    },
    { passwordStdin: false },
  );

  run(
    io,
    verb(policy, 'list', 'list replication policies (never their credentials)'),
    async (c: Call<ApiFlags>) => {
      const rows = await c.request<Policy[]>({
        path: '/replication/policies',
        what: 'list replication policies',
      });
      printRows(io, c.format, rows, COLUMNS);
    },
  );

  const del = verb(policy, 'delete', 'delete a policy and its execution history').argument(
    '<policy>',
    'name or id',
  );
  run(io, del, async (c: Call<ApiFlags>, [ref]: [string]) => {
    const id = await policyId(c, ref);
    await c.request({
      method: 'DELETE',
      path: `/replication/policies/${id}`,
      what: `delete replication policy ${ref}`,
    });
    printDone(io, c.format, { id, deleted: true }, `Deleted replication policy ${ref}`);
  });
}

export function registerReplication(program: Command, io: CliIo): void {
  const replication = program
    .command('replication')
    .description('replicate artifacts to and from other registries: policies, runs, executions');
  registerPolicy(replication, io);
  registerReplicationRuns(replication, io);
}
