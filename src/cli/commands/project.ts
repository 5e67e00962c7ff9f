import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { seg } from '../../client/api-client.js';
import { type CliIo, humanBytes, UsageError } from './io.js';
import { type ApiFlags, type Call, readSecretStdin, run, verb } from './manage.js';
import { type Column, printDone, printRecord, printRows, shortTime } from './table.js';
import { parseBytes, parseCount, parseLimit } from './values.js';

/** A project as GET /api/v1/projects/{project} returns it. */
export interface Project {
  name: string;
  public: boolean;
  quotaBytes: number | null;
  pullRatePerMinute: number | null;
  supplyChain?: { requireSigned: boolean; trustedKeys: string[]; provenanceTagPattern: string | null };
  proxy?: {
    upstream: string;
    repositoryPrefix: string | null;
    credentials: { username: string } | null;
  } | null;
  createdAt: string;
}

interface ProjectFlags extends ApiFlags {
  public?: boolean;
  private?: boolean;
  quota?: string;
  pullRate?: string;
  requireSigned?: boolean;
  allowUnsigned?: boolean;
  trustedKey?: string[];
  provenanceTags?: string;
  proxy?: string;
  proxyPrefix?: string;
  proxyUsername?: string;
  proxyPasswordStdin?: boolean;
  force?: boolean;
  name?: string;
  limit?: string;
}

const quota = (p: Project) => (p.quotaBytes === null ? 'unlimited' : humanBytes(p.quotaBytes));
const pullRate = (p: Project) => (p.pullRatePerMinute === null ? 'unlimited' : `${p.pullRatePerMinute}/min`);

const COLUMNS: Column<Project>[] = [
  { header: 'NAME', get: (p) => p.name },
  { header: 'PUBLIC', get: (p) => p.public },
  { header: 'QUOTA', get: quota },
  { header: 'PULL RATE', get: pullRate },
  { header: 'CREATED', get: (p) => shortTime(p.createdAt) },
];

const none = (v: string) => v === 'none' || v === '';

/** The supply-chain rules the flags change (only those given), or undefined. */
async function supplyChain(f: ProjectFlags): Promise<Record<string, unknown> | undefined> {
  if (f.requireSigned && f.allowUnsigned)
    throw new UsageError('--require-signed and --allow-unsigned are mutually exclusive');
  const keys =
    f.trustedKey === undefined
      ? undefined
      : f.trustedKey.length === 1 && none(f.trustedKey[0] ?? '')
        ? []
        : await Promise.all(f.trustedKey.map((file) => readKeyFile(file)));
  const rules = {
    ...(f.requireSigned ? { requireSigned: true } : f.allowUnsigned ? { requireSigned: false } : {}),
    ...(keys === undefined ? {} : { trustedKeys: keys }),
    ...(f.provenanceTags === undefined
      ? {}
      : { provenanceTagPattern: none(f.provenanceTags) ? null : f.provenanceTags }),
  };
  return Object.keys(rules).length === 0 ? undefined : rules;
}

async function readKeyFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--trusted-key ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** The proxy setting the flags ask for: an upstream (with prefix and login), null (`none`), or undefined. */
async function proxy(f: ProjectFlags, io: CliIo): Promise<Record<string, unknown> | null | undefined> {
  if (f.proxy === undefined) {
    if (f.proxyPrefix !== undefined || f.proxyUsername !== undefined || f.proxyPasswordStdin)
      throw new UsageError('--proxy-prefix, --proxy-username and --proxy-password-stdin need --proxy');
    return undefined;
  }
  if (none(f.proxy)) return null;
  if (f.passwordStdin && f.proxyPasswordStdin)
    throw new UsageError('--password-stdin and --proxy-password-stdin cannot both read stdin');
  if ((f.proxyUsername === undefined) !== (f.proxyPasswordStdin !== true))
    throw new UsageError('--proxy-username and --proxy-password-stdin go together');
  return {
    upstream: f.proxy,
    ...(f.proxyPrefix === undefined ? {} : { repositoryPrefix: none(f.proxyPrefix) ? null : f.proxyPrefix }),
    ...(f.proxyUsername === undefined
      ? {}
      : { credentials: { username: f.proxyUsername, password: await readSecretStdin(io) } }),
  };
}

/** The settings the flags ask for (only those given). */
async function settings(f: ProjectFlags, io: CliIo): Promise<Record<string, unknown>> {
  if (f.public && f.private) throw new UsageError('--public and --private are mutually exclusive');
  const rules = await supplyChain(f);
  const upstream = await proxy(f, io);
  return {
    ...(f.public ? { public: true } : f.private ? { public: false } : {}),
    ...(f.quota === undefined ? {} : { quotaBytes: parseBytes(f.quota, '--quota') }),
    ...(f.pullRate === undefined ? {} : { pullRatePerMinute: parseCount(f.pullRate, '--pull-rate', true) }),
    ...(rules === undefined ? {} : { supplyChain: rules }),
    ...(upstream === undefined ? {} : { proxy: upstream }),
  };
}

function withSettings(cmd: Command): Command {
  return cmd
    .option('--quota <size>', 'storage quota: 10GiB, 500MB, bytes, or none')
    .option('--pull-rate <n>', 'pulls per minute, or none')
    .option('--require-signed', 'serve only images signed by a trusted key (412 otherwise)')
    .option('--allow-unsigned', 'serve unsigned images again')
    .option('--trusted-key <file...>', "trusted cosign public keys (cosign.pub); 'none' trusts none")
    .option('--provenance-tags <glob>', "tags that need a signed SLSA provenance at push (v*); 'none'")
    .option('--proxy <upstream>', "make it a proxy cache of this registry (system admins); 'none' ends it")
    .option('--proxy-prefix <path>', "with --proxy: put before repository paths upstream (library); 'none'")
    .option('--proxy-username <name>', 'with --proxy: the upstream login')
    .option('--proxy-password-stdin', 'with --proxy-username: read the upstream password from stdin');
}

/** What `project show` prints beyond the list's columns. */
const DETAILS: Column<Project>[] = [
  ...COLUMNS,
  { header: 'SIGNED ONLY', label: 'Signed only', get: (p) => p.supplyChain?.requireSigned ?? false },
  { header: 'TRUSTED KEYS', label: 'Trusted keys', get: (p) => p.supplyChain?.trustedKeys.length ?? 0 },
  {
    header: 'PROVENANCE',
    label: 'Provenance tags',
    get: (p) => p.supplyChain?.provenanceTagPattern ?? 'none',
  },
  {
    header: 'PROXY',
    label: 'Proxy of',
    get: (p) =>
      p.proxy
        ? `${p.proxy.upstream}${p.proxy.repositoryPrefix ? `/${p.proxy.repositoryPrefix}` : ''}`
        : 'none',
  },
];

export function registerProject(program: Command, io: CliIo): void {
  const project = program.command('project').description('manage the projects of a Wharf server');

  const create = verb(project, 'create', 'create a project (system administrators)')
    .argument('<name>', 'project name')
    .option('--public', 'anyone may pull');
  run(io, withSettings(create), async ({ request, flags, format }: Call<ProjectFlags>, [name]: [string]) => {
    const body = { name, ...(await settings(flags, io)) };
    const p = await request<Project>({
      method: 'POST',
      path: '/projects',
      body,
      what: `create project ${name}`,
    });
    printDone(io, format, p, `Created project ${p.name}`);
  });

  const list = verb(project, 'list', 'list the projects you can see')
    .option('--name <text>', 'only projects whose name contains this')
    .option('--limit <n>', 'at most this many');
  run(io, list, async ({ list, flags, format }: Call<ProjectFlags>) => {
    const limit = parseLimit(flags.limit);
    const query = { name: flags.name };
    const rows = await list<Project>({ path: '/projects', query, what: 'list projects' }, limit);
    printRows(io, format, rows, COLUMNS);
  });

  const show = verb(project, 'show', 'show one project').argument('<name>', 'project name');
  run(io, show, async ({ request, format }: Call<ProjectFlags>, [name]: [string]) => {
    const p = await request<Project>({
      path: `/projects/${seg(name)}`,
      what: `show project ${name}`,
    });
    printRecord(io, format, p, DETAILS);
  });

  const update = verb(
    project,
    'update',
    'change visibility, quota, pull rate, supply-chain rules (project admins) or the proxy setting',
  )
    .argument('<name>', 'project name')
    .option('--public', 'make it public')
    .option('--private', 'make it private');
  run(io, withSettings(update), async ({ request, flags, format }: Call<ProjectFlags>, [name]: [string]) => {
    const body = await settings(flags, io);
    if (Object.keys(body).length === 0)
      throw new UsageError('nothing to change: give a setting (see --help)');
    const p = await request<Project>({
      method: 'PATCH',
      path: `/projects/${seg(name)}`,
      body,
      what: `update project ${name}`,
    });
    printDone(io, format, p, `Updated project ${p.name}`);
  });

  const del = verb(project, 'delete', 'delete a project (system administrators)')
    .argument('<name>', 'project name')
    .option('--force', 'also delete every repository in it');
  run(io, del, async ({ request, flags, format }: Call<ProjectFlags>, [name]: [string]) => {
    await request({
      method: 'DELETE',
      path: `/projects/${seg(name)}`,
      query: { force: flags.force ? true : undefined },
      what: `delete project ${name}`,
    });
    printDone(io, format, { name, deleted: true }, `Deleted project ${name}`);
  });
}
