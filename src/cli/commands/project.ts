import type { Command } from 'commander';
import { seg } from '../../client/api-client.js';
import { type CliIo, humanBytes, UsageError } from './io.js';
import { type ApiFlags, type Call, run, verb } from './manage.js';
import { type Column, printDone, printRecord, printRows, shortTime } from './table.js';
import { parseBytes, parseCount, parseLimit } from './values.js';

/** A project as GET /api/v1/projects/{project} returns it. */
export interface Project {
  name: string;
  public: boolean;
  quotaBytes: number | null;
  pullRatePerMinute: number | null;
  createdAt: string;
}

interface ProjectFlags extends ApiFlags {
  public?: boolean;
  private?: boolean;
  quota?: string;
  pullRate?: string;
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

/** The settings the flags ask for: public, quotaBytes, pullRatePerMinute (only those given). */
function settings(f: ProjectFlags): Partial<Omit<Project, 'name' | 'createdAt'>> {
  if (f.public && f.private) throw new UsageError('--public and --private are mutually exclusive');
  return {
    ...(f.public ? { public: true } : f.private ? { public: false } : {}),
    ...(f.quota === undefined ? {} : { quotaBytes: parseBytes(f.quota, '--quota') }),
    ...(f.pullRate === undefined ? {} : { pullRatePerMinute: parseCount(f.pullRate, '--pull-rate', true) }),
  };
}

function withSettings(cmd: Command): Command {
  return cmd
    .option('--quota <size>', 'storage quota: 10GiB, 500MB, bytes, or none')
    .option('--pull-rate <n>', 'pulls per minute, or none');
}

export function registerProject(program: Command, io: CliIo): void {
  const project = program.command('project').description('manage the projects of a Wharf server');

  const create = verb(project, 'create', 'create a project (system administrators)')
    .argument('<name>', 'project name')
    .option('--public', 'anyone may pull');
  run(io, withSettings(create), async ({ request, flags, format }: Call<ProjectFlags>, [name]: [string]) => {
    const body = { name, ...settings(flags) };
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
    printRecord(io, format, p, COLUMNS);
  });

  const update = verb(project, 'update', 'change visibility, quota or pull rate (project admins)')
    .argument('<name>', 'project name')
    .option('--public', 'make it public')
    .option('--private', 'make it private');
  run(io, withSettings(update), async ({ request, flags, format }: Call<ProjectFlags>, [name]: [string]) => {
    const body = settings(flags);
    if (Object.keys(body).length === 0)
      throw new UsageError('nothing to change: give --public, --private, --quota or --pull-rate');
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
