import type { Command } from 'commander';
import { seg } from '../../client/api-client.js';
import { type CliIo, UsageError } from './io.js';
import { type ApiFlags, type Call, run, verb } from './manage.js';
import { type Column, printDone, printRows, shortTime } from './table.js';
import { parseCount } from './values.js';

interface Selector {
  decoration: 'matching' | 'excluding';
  pattern: string;
}

/** A rule as GET /projects/{project}/immutability-rules lists it. */
interface Rule {
  id: number;
  project: string;
  repositories: Selector;
  tags: Selector;
  createdAt: string;
}

interface RuleFlags extends ApiFlags {
  repo?: string;
  excludeRepo?: string;
  tag?: string;
  excludeTag?: string;
}

const text = (s: Selector) => `${s.decoration} ${s.pattern}`;

const COLUMNS: Column<Rule>[] = [
  { header: 'ID', get: (r) => r.id },
  { header: 'REPOSITORIES', get: (r) => text(r.repositories) },
  { header: 'TAGS', get: (r) => text(r.tags) },
  { header: 'CREATED', get: (r) => shortTime(r.createdAt) },
];

/** One selector from a matching/excluding pair of flags (at most one of them). */
function selector(
  flag: string,
  matching: string | undefined,
  excluding: string | undefined,
): Selector | undefined {
  if (matching !== undefined && excluding !== undefined)
    throw new UsageError(`--${flag} and --exclude-${flag} are mutually exclusive`);
  if (matching !== undefined) return { decoration: 'matching', pattern: matching };
  if (excluding !== undefined) return { decoration: 'excluding', pattern: excluding };
  return undefined;
}

const rulesPath = (project: string) => `/projects/${seg(project)}/immutability-rules`;

export function registerImmutability(program: Command, io: CliIo): void {
  const imm = program
    .command('immutability')
    .description("a project's tag immutability rules (immutable tags cannot be moved or deleted)");

  const add = verb(imm, 'add', 'add a rule (project admins); patterns are doublestar globs')
    .argument('<project>', 'project name')
    .option('--repo <pattern>', 'repositories (without the project) matching this; default **')
    .option('--exclude-repo <pattern>', 'repositories not matching this')
    .option('--tag <pattern>', 'tags matching this (e.g. v*)')
    .option('--exclude-tag <pattern>', 'tags not matching this');
  run(io, add, async ({ request, flags, format }: Call<RuleFlags>, [project]: [string]) => {
    const tags = selector('tag', flags.tag, flags.excludeTag);
    if (!tags) throw new UsageError('give --tag PATTERN or --exclude-tag PATTERN');
    const repositories = selector('repo', flags.repo, flags.excludeRepo);
    const body = { tags, ...(repositories ? { repositories } : {}) };
    const what = `add an immutability rule to project ${project}`;
    const r = await request<Rule>({ method: 'POST', path: rulesPath(project), body, what });
    const line = `Added rule ${r.id} to project ${project}: repositories ${text(r.repositories)}, tags ${text(r.tags)}`;
    printDone(io, format, r, line);
  });

  const list = verb(imm, 'list', "list a project's rules").argument('<project>', 'project name');
  run(io, list, async ({ request, format }: Call<RuleFlags>, [project]: [string]) => {
    const what = `list immutability rules of project ${project}`;
    printRows(io, format, await request<Rule[]>({ path: rulesPath(project), what }), COLUMNS);
  });

  const remove = verb(imm, 'remove', 'remove a rule (project admins)')
    .argument('<project>', 'project name')
    .argument('<id>', 'rule id');
  run(io, remove, async ({ request, format }: Call<RuleFlags>, [project, id]: [string, string]) => {
    const n = parseCount(id, 'the rule id');
    const what = `remove immutability rule ${id} of project ${project}`;
    await request({ method: 'DELETE', path: `${rulesPath(project)}/${n}`, what });
    printDone(io, format, { project, id: n, removed: true }, `Removed rule ${n} from project ${project}`);
  });
}
