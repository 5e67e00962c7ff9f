import type { Command } from 'commander';
import { seg } from '../../client/api-client.js';
import { DEFAULT_EVENTS } from './audit.js';
import { type CliIo, UsageError } from './io.js';
import { type ApiFlags, type Call, readSecretStdin, run, verb } from './manage.js';
import { type Column, printDone, printRecord, printRows, shortTime } from './table.js';
import { collect, parseCount, parseLimit, splitList } from './values.js';

interface Webhook {
  id: number;
  project: string;
  url: string;
  eventTypes: string[];
  format: string;
  enabled: boolean;
  createdAt: string;
}

interface Delivery {
  id: number;
  eventId: string;
  attempt: number;
  status: string;
  responseStatus: number | null;
  error: string | null;
  durationMs: number | null;
  createdAt: string;
}

interface WebhookFlags extends ApiFlags {
  url?: string;
  event?: string[];
  format?: string;
  secretStdin?: boolean;
  disabled?: boolean;
  enable?: boolean;
  disable?: boolean;
  limit?: string;
  all?: boolean;
}

const FORMATS = ['harbor', 'cloudevents'];
const events = (w: Webhook) => (w.eventTypes.length === 0 ? 'all' : w.eventTypes.join(','));

const COLUMNS: Column<Webhook>[] = [
  { header: 'ID', get: (w) => w.id },
  { header: 'URL', label: 'URL', get: (w) => w.url },
  { header: 'EVENTS', get: events },
  { header: 'FORMAT', get: (w) => w.format },
  { header: 'ENABLED', get: (w) => w.enabled },
  { header: 'CREATED', get: (w) => shortTime(w.createdAt) },
];

const SHOW_COLUMNS: Column<Webhook>[] = [...COLUMNS, { header: 'PROJECT', get: (w) => w.project }];

const DELIVERY_COLUMNS: Column<Delivery>[] = [
  { header: 'ID', get: (d) => d.id },
  { header: 'TIME', get: (d) => shortTime(d.createdAt) },
  { header: 'EVENT', get: (d) => d.eventId },
  { header: 'ATTEMPT', get: (d) => d.attempt },
  { header: 'STATUS', get: (d) => d.status },
  { header: 'HTTP', get: (d) => d.responseStatus },
  { header: 'MS', get: (d) => d.durationMs },
  { header: 'ERROR', get: (d) => d.error },
];

/** The body fields the flags set (create and update share them). */
async function settings(c: Call<WebhookFlags>): Promise<Record<string, unknown>> {
  const f = c.flags;
  if (f.format !== undefined && !FORMATS.includes(f.format))
    throw new UsageError(`--format must be ${FORMATS.join(' or ')} (got "${f.format}")`);
  if (f.enable && f.disable) throw new UsageError('--enable and --disable are mutually exclusive');
  if (f.secretStdin && f.passwordStdin)
    throw new UsageError('--secret-stdin and --password-stdin both read stdin; pass your password with -p');
  const enabled = f.enable ? true : f.disable || f.disabled ? false : undefined;
  return {
    ...(f.url === undefined ? {} : { url: f.url }),
    ...(f.event === undefined ? {} : { eventTypes: splitList(f.event) }),
    ...(f.format === undefined ? {} : { format: f.format }),
    ...(enabled === undefined ? {} : { enabled }),
    ...(f.secretStdin ? { secret: await readSecretStdin(c.io) } : {}),
  };
}

const hookPath = (project: string, id?: string) =>
  `/projects/${seg(project)}/webhooks${id === undefined ? '' : `/${parseCount(id, 'the webhook id')}`}`;

function withSettings(cmd: Command): Command {
  return cmd
    .option('--event <types>', 'event types to deliver, comma-separated (repeatable; default: all)', collect)
    .option('--format <format>', "harbor (Harbor's payload, default) or cloudevents")
    .option('--secret-stdin', 'read the HMAC secret from stdin (default on create: generated, shown once)');
}

/** A verb on one webhook: `<project> <id>`. */
const oneHook = (parent: Command, name: string, description: string) =>
  verb(parent, name, description).argument('<project>', 'project name').argument('<id>', 'webhook id');

function registerWrites(hook: Command, io: CliIo): void {
  const create = verb(hook, 'create', 'add a webhook to a project (project admins); prints its secret once')
    .argument('<project>', 'project name')
    .requiredOption('--url <url>', 'where events are POSTed (http or https)')
    .option('--disabled', 'create it disabled');
  run(io, withSettings(create), async (c: Call<WebhookFlags>, [project]: [string]) => {
    const body = await settings(c);
    const what = `create a webhook on project ${project}`;
    const w = await c.request<Webhook & { secret: string }>({
      method: 'POST',
      path: hookPath(project),
      body,
      what,
    });
    const text = `Created webhook ${w.id} on project ${project}\nSecret: ${w.secret}\nStore the secret now: it is not shown again.`;
    printDone(io, c.format, w, text);
  });

  const update = oneHook(hook, 'update', 'change a webhook')
    .option('--url <url>', 'new URL')
    .option('--enable', 'deliver again')
    .option('--disable', 'stop delivering');
  run(io, withSettings(update), async (c: Call<WebhookFlags>, [project, id]: [string, string]) => {
    const body = await settings(c);
    if (Object.keys(body).length === 0)
      throw new UsageError(
        'nothing to change: give --url, --event, --format, --enable, --disable or --secret-stdin',
      );
    const w = await c.request<Webhook>({
      method: 'PATCH',
      path: hookPath(project, id),
      body,
      what: `update webhook ${id} of project ${project}`,
    });
    printDone(io, c.format, w, `Updated webhook ${w.id} of project ${project}`);
  });

  run(
    io,
    oneHook(hook, 'delete', 'delete a webhook and its delivery history'),
    async (c: Call<WebhookFlags>, [project, id]: [string, string]) => {
      const what = `delete webhook ${id} of project ${project}`;
      await c.request({ method: 'DELETE', path: hookPath(project, id), what });
      printDone(
        io,
        c.format,
        { project, id: Number(id), deleted: true },
        `Deleted webhook ${id} of project ${project}`,
      );
    },
  );
}

function registerReads(hook: Command, io: CliIo): void {
  const list = verb(hook, 'list', "list a project's webhooks (never their secrets)").argument(
    '<project>',
    'project name',
  );
  run(io, list, async ({ list, format }: Call<WebhookFlags>, [project]: [string]) => {
    const what = `list webhooks of project ${project}`;
    printRows(io, format, await list<Webhook>({ path: hookPath(project), what }), COLUMNS);
  });

  run(
    io,
    oneHook(hook, 'show', 'show one webhook'),
    async (c: Call<WebhookFlags>, [project, id]: [string, string]) => {
      const what = `show webhook ${id} of project ${project}`;
      printRecord(
        io,
        c.format,
        await c.request<Webhook>({ path: hookPath(project, id), what }),
        SHOW_COLUMNS,
      );
    },
  );

  const deliveries = oneHook(hook, 'deliveries', "a webhook's delivery attempts, newest first")
    .option('--limit <n>', `at most this many (default ${DEFAULT_EVENTS})`)
    .option('--all', 'every attempt kept');
  run(io, deliveries, async (c: Call<WebhookFlags>, [project, id]: [string, string]) => {
    const limit = c.flags.all ? undefined : (parseLimit(c.flags.limit) ?? DEFAULT_EVENTS);
    const r = { path: `${hookPath(project, id)}/deliveries`, what: `list deliveries of webhook ${id}` };
    printRows(io, c.format, await c.list<Delivery>(r, limit), DELIVERY_COLUMNS);
  });
}

export function registerWebhook(program: Command, io: CliIo): void {
  const hook = program.command('webhook').description("manage a project's webhooks and see their deliveries");
  registerWrites(hook, io);
  registerReads(hook, io);
}
