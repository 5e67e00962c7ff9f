import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { seg } from '../../client/api-client.js';
import type { Json } from '../../client/json.js';
import type { Selector } from '../../ports/lifecycle-store.js';
import type {
  RetentionItem,
  RetentionPolicy,
  RetentionRule,
  RetentionRun,
  RetentionRunDetail,
} from '../../ports/retention-store.js';
import { type CliIo, errorMessage, printJson, UsageError } from './io.js';
import { type ApiFlags, type Call, run, verb } from './manage.js';
import { parseRuleSpec } from './retention-rule.js';
import { type Column, formatFields, formatTable, printDone, printRows, shortTime } from './table.js';
import { parseCount, parseLimit } from './values.js';

type Rule = Json<RetentionRule>;
/** A policy as GET /projects/{project}/retention returns it. */
type Policy = Json<RetentionPolicy>;
type Run = Json<RetentionRun>;
type Item = Json<RetentionItem>;
type RunDetail = Json<RetentionRunDetail>;

interface RetentionFlags extends ApiFlags {
  file?: string;
  rule?: string[];
  schedule?: string;
  dryRun?: boolean;
  retained?: boolean;
  limit?: string;
}

const sel = (s: Selector) => `${s.decoration} ${s.pattern}`;

const RULE_COLUMNS: Column<Rule & { index: number }>[] = [
  { header: '#', get: (r) => r.index },
  {
    header: 'KEEP',
    get: (r) => `${r.kind}${r.n !== undefined ? ` ${r.n}` : r.days !== undefined ? ` ${r.days}` : ''}`,
  },
  { header: 'REPOSITORIES', get: (r) => sel(r.repositories) },
  { header: 'TAGS', get: (r) => sel(r.tags) },
  { header: 'UNTAGGED', get: (r) => r.untagged },
  {
    header: 'LABEL',
    get: (r) => r.label && `${r.label.key}${r.label.value !== undefined ? `=${r.label.value}` : ''}`,
  },
];

const RUN_COLUMNS: Column<Run>[] = [
  { header: 'RUN', get: (r) => r.id },
  { header: 'STARTED', get: (r) => shortTime(r.startedAt) },
  { header: 'TRIGGER', get: (r) => r.trigger },
  { header: 'DRY', get: (r) => r.dryRun },
  { header: 'STATUS', get: (r) => r.status },
  { header: 'TAGS REMOVED', get: (r) => r.tagsRemoved },
  { header: 'DELETED', get: (r) => r.manifestsDeleted },
  { header: 'RETAINED', get: (r) => r.retained },
  { header: 'FAILED', get: (r) => r.failed },
  { header: 'ERROR', get: (r) => r.error },
];

const ITEM_COLUMNS: Column<Item>[] = [
  { header: 'REPOSITORY', get: (i) => i.repository },
  { header: 'DIGEST', get: (i) => i.digest.slice(0, 19) },
  { header: 'ACTION', get: (i) => i.action },
  { header: 'TAGS', get: (i) => i.tags.join(',') },
  { header: 'OUTCOME', get: (i) => i.outcome },
  { header: 'REASON', get: (i) => i.error ?? i.reason },
];

const policyPath = (project: string) => `/projects/${seg(project)}/retention`;

async function readPolicy(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${errorMessage(err)}`);
  }
  try {
    return parseYaml(text) as unknown;
  } catch (err) {
    throw new UsageError(`${file}: ${errorMessage(err)}`);
  }
}

/** The PUT body: the file's policy (or none), plus the --rule rules, with --schedule over the file's. */
async function policyBody(flags: RetentionFlags): Promise<unknown> {
  if (flags.file === undefined && flags.rule === undefined)
    throw new UsageError('give --file POLICY.yaml, or --rule SPEC (or both)');
  const file = flags.file === undefined ? {} : await readPolicy(flags.file);
  if (typeof file !== 'object' || file === null || Array.isArray(file))
    throw new UsageError(`${flags.file}: not a policy (an object with rules)`);
  const policy = { ...(file as Record<string, unknown>) };
  if (flags.rule) {
    const rules = Array.isArray(policy.rules) ? (policy.rules as unknown[]) : [];
    policy.rules = [...rules, ...flags.rule.map(parseRuleSpec)];
  }
  if (flags.schedule !== undefined) policy.schedule = flags.schedule === 'none' ? null : flags.schedule;
  return policy;
}

function printPolicy(io: CliIo, p: Policy): void {
  const fields = formatFields([
    ['Project', p.project],
    ['Schedule', p.schedule ?? 'manual'],
    ['Enabled', p.enabled],
    ['Updated', shortTime(p.updatedAt)],
  ]);
  const rules = p.rules.map((r, i) => ({ ...r, index: i + 1 }));
  io.stdout(`${fields}\n\n${formatTable(rules, RULE_COLUMNS)}\n`);
}

/** A run's summary line and the table of what went (or, dry, would go); retained too with `retained`. */
function printRun(io: CliIo, r: RunDetail, retained: boolean): void {
  const verb = r.dryRun ? 'would remove' : 'removed';
  io.stdout(
    `Run ${r.id} (${r.dryRun ? 'dry run, ' : ''}${r.status}): ${verb} ${r.tagsRemoved} tag(s), ` +
      `${r.dryRun ? 'would delete' : 'deleted'} ${r.manifestsDeleted} manifest(s); ${r.retained} retained, ${r.failed} failed\n`,
  );
  const items = r.items.filter((i) => retained || i.action !== 'retain');
  if (items.length > 0) io.stdout(`${formatTable(items, ITEM_COLUMNS)}\n`);
}

async function show({ request, flags, format, io }: Call<RetentionFlags>, path: string, what: string) {
  const r = await request<RunDetail>({ path, what });
  if (format === 'json') printJson(io, r);
  else printRun(io, r, flags.retained === true);
}

export function registerRetention(program: Command, io: CliIo): void {
  const ret = program
    .command('retention')
    .description("a project's retention policy: which tags and untagged artifacts go, on a schedule or now");

  const get = verb(ret, 'get', "show a project's policy").argument('<project>', 'project name');
  run(io, get, async ({ request, format }: Call<RetentionFlags>, [project]: [string]) => {
    const p = await request<Policy>({
      path: policyPath(project),
      what: `get the retention policy of ${project}`,
    });
    if (format === 'json') printJson(io, p);
    else printPolicy(io, p);
  });

  const set = verb(
    ret,
    'set',
    'create or replace the policy from a YAML or JSON file and/or --rule (project admins)',
  )
    .argument('<project>', 'project name')
    .option('-f, --file <policy.yaml>', '{ rules: [...], schedule?, enabled? } (see docs/operator-guide.md)')
    .option(
      '--rule <spec>',
      "a rule added to the file's: KIND[:N] [repos=GLOB|repos!=GLOB] [tags=GLOB|tags!=GLOB] [untagged] [label=KEY[=VALUE]] (repeatable)",
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--schedule <when>', "HH:MM (UTC), <n>s|m|h, or 'none'; overrides the file's");
  run(io, set, async ({ request, flags, format }: Call<RetentionFlags>, [project]: [string]) => {
    const body = await policyBody(flags);
    const what = `set the retention policy of ${project}`;
    const p = await request<Policy>({ method: 'PUT', path: policyPath(project), body, what });
    const line = `Set the retention policy of project ${project}: ${p.rules.length} rule(s), schedule ${p.schedule ?? 'manual'}${p.enabled ? '' : ' (disabled)'}`;
    printDone(io, format, p, line);
  });

  const del = verb(ret, 'delete', "remove a project's policy (project admins)").argument(
    '<project>',
    'project name',
  );
  run(io, del, async ({ request, format }: Call<RetentionFlags>, [project]: [string]) => {
    await request({
      method: 'DELETE',
      path: policyPath(project),
      what: `delete the retention policy of ${project}`,
    });
    printDone(io, format, { project, deleted: true }, `Removed the retention policy of project ${project}`);
  });

  const now = verb(ret, 'run', 'apply the policy now (project admins); exits 1 when an item failed')
    .argument('<project>', 'project name')
    .option('--dry-run', 'list what a run would remove; change nothing')
    .option('--retained', 'list the retained artifacts too');
  run(io, now, async ({ request, flags, format }: Call<RetentionFlags>, [project]: [string]) => {
    const dryRun = flags.dryRun === true;
    const r = await request<RunDetail>({
      method: 'POST',
      path: `${policyPath(project)}/runs`,
      body: { dryRun },
      what: `${dryRun ? 'dry-run' : 'run'} retention of ${project}`,
    });
    if (format === 'json') printJson(io, r);
    else printRun(io, r, flags.retained === true);
    if (r.status !== 'succeeded') io.setExitCode(1);
  });

  const runs = verb(ret, 'runs', "list a project's runs, newest first, or show one run's items")
    .argument('<project>', 'project name')
    .argument('[id]', 'a run id: show its items')
    .option('--retained', 'with an id: list the retained artifacts too')
    .option('--limit <n>', 'at most this many runs (default 20)');
  run(io, runs, async (call: Call<RetentionFlags>, [project, id]: string[]) => {
    if (project === undefined) throw new UsageError('give a project');
    if (id !== undefined) {
      const n = parseCount(id, 'the run id');
      await show(call, `${policyPath(project)}/runs/${n}`, `show retention run ${id} of ${project}`);
      return;
    }
    const limit = parseLimit(call.flags.limit) ?? 20;
    const list = await call.list<Run>(
      { path: `${policyPath(project)}/runs`, what: `list retention runs of ${project}` },
      limit,
    );
    printRows(io, call.format, list, RUN_COLUMNS);
  });

  const runShow = verb(ret, 'run-show', 'show one run with its items')
    .argument('<project>', 'project name')
    .argument('<id>', 'run id')
    .option('--retained', 'list the retained artifacts too');
  run(io, runShow, async (call: Call<RetentionFlags>, [project, id]: [string, string]) => {
    const n = parseCount(id, 'the run id');
    await show(call, `${policyPath(project)}/runs/${n}`, `show retention run ${id} of ${project}`);
  });
}
