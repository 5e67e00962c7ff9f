import type { Command } from 'commander';
import { seg } from '../../client/api-client.js';
import { type CliIo, UsageError } from './io.js';
import { type ApiFlags, type Call, run, verb } from './manage.js';
import { type Column, printDone, printRecord, printRows, shortTime } from './table.js';
import { collect, parseWhen, splitList } from './values.js';

const ACTIONS = ['pull', 'push', 'delete', 'list'] as const;

interface Permission {
  project: string;
  actions: string[];
}

interface Robot {
  name: string;
  project: string | null;
  description: string | null;
  permissions: Permission[];
  expiresAt: string | null;
  disabled: boolean;
  createdAt: string;
}

type RobotWithSecret = Robot & { secret: string };

interface RobotFlags extends ApiFlags {
  project?: string;
  permission?: string[];
  expires?: string;
  description?: string;
}

const permissionText = (r: Robot) =>
  r.permissions.map((p) => `${p.project}:${p.actions.join(',')}`).join(' ');

const COLUMNS: Column<Robot>[] = [
  { header: 'NAME', get: (r) => r.name },
  { header: 'PERMISSIONS', get: permissionText },
  { header: 'EXPIRES', get: (r) => shortTime(r.expiresAt) ?? 'never' },
  { header: 'DISABLED', get: (r) => r.disabled },
  { header: 'DESCRIPTION', get: (r) => r.description },
];

/** `robot show`: the table's columns, the owning project and the creation time. */
const SHOW_COLUMNS: Column<Robot>[] = [
  ...COLUMNS,
  { header: 'PROJECT', get: (r) => r.project ?? '(system robot)' },
  { header: 'CREATED', get: (r) => shortTime(r.createdAt) },
];

/**
 * `--permission` values: `pull,push` (on --project) or `PROJECT:pull,push` (`*` for every project),
 * merged per project.
 */
export function parsePermissions(values: readonly string[], project: string | undefined): Permission[] {
  if (values.length === 0) throw new UsageError('--permission is required (e.g. --permission pull,push)');
  const byProject = new Map<string, Set<string>>();
  for (const value of values) {
    const colon = value.indexOf(':');
    const target = colon === -1 ? project : value.slice(0, colon);
    if (!target)
      throw new UsageError(`--permission "${value}": name the project (PROJECT:ACTIONS) or pass --project`);
    const actions = splitList(value.slice(colon + 1));
    const bad = actions.find((a) => !(ACTIONS as readonly string[]).includes(a));
    if (bad !== undefined || actions.length === 0)
      throw new UsageError(`--permission "${value}": actions are ${ACTIONS.join(', ')}`);
    const set = byProject.get(target) ?? new Set<string>();
    for (const a of actions) set.add(a);
    byProject.set(target, set);
  }
  return [...byProject].map(([p, actions]) => ({ project: p, actions: [...actions] }));
}

/** `robot$team+ci` as given, else the short name in --project (or a system robot's). */
export function robotName(name: string, project: string | undefined): string {
  if (name.startsWith('robot$')) return name;
  return project === undefined ? `robot$${name}` : `robot$${project}+${name}`;
}

function printSecret(c: Call<RobotFlags>, r: RobotWithSecret, verbed: string): void {
  const note = 'Store the secret now: it is not shown again.';
  const text = `${verbed} robot ${r.name}\nSecret: ${r.secret}\n${note}`;
  printDone(c.io, c.format, r, text);
}

async function createRobot(c: Call<RobotFlags>, [name]: [string]) {
  const { project, description, expires } = c.flags;
  const body = {
    name,
    permissions: parsePermissions(c.flags.permission ?? [], project),
    ...(description === undefined ? {} : { description }),
    ...(expires === undefined
      ? {}
      : { expiresAt: expires === 'never' ? null : parseWhen(expires, '--expires', 1) }),
  };
  const path = project === undefined ? '/robots' : `/projects/${seg(project)}/robots`;
  const what = `create robot ${robotName(name, project)}`;
  const r = await c.request<RobotWithSecret>({ method: 'POST', path, body, what });
  printSecret(c, r, 'Created');
}

function setDisabled(c: Call<RobotFlags>, name: string, disabled: boolean): Promise<Robot> {
  const what = `${disabled ? 'disable' : 'enable'} robot ${name}`;
  return c.request<Robot>({ method: 'PATCH', path: `/robots/${seg(name)}`, body: { disabled }, what });
}

/** A verb on one robot: `<name>` (full, or short with --project). */
function oneRobot(parent: Command, name: string, description: string): Command {
  return verb(parent, name, description)
    .argument('<name>', 'robot$project+name, robot$name, or the short name with --project')
    .option('--project <project>', 'the project of a short robot name');
}

export function registerRobot(program: Command, io: CliIo): void {
  const robot = program.command('robot').description('manage robot accounts (their secrets are shown once)');

  const create = verb(robot, 'create', 'create a robot; prints its secret once')
    .argument('<name>', 'short name: the robot is robot$PROJECT+NAME (robot$NAME without --project)')
    .option(
      '--project <project>',
      'a project robot (project admins); without it a system robot (administrators)',
    )
    .option(
      '--permission <perm>',
      'pull,push on --project, or PROJECT:pull,push (repeatable; * = every project)',
      collect,
    )
    .option('--expires <when>', 'a span (30d, 12h) or date (2025-12-31), or never (default)')
    .option('--description <text>', 'what it is for');
  run(io, create, createRobot);

  const list = verb(robot, 'list', "list a project's robots, or the system robots").option(
    '--project <project>',
    "the project's robots (default: system robots)",
  );
  run(io, list, async ({ list, flags, format }: Call<RobotFlags>) => {
    const p = flags.project;
    const path = p === undefined ? '/robots' : `/projects/${seg(p)}/robots`;
    const rows = await list<Robot>({ path, what: `list robots${p ? ` of project ${p}` : ''}` });
    printRows(io, format, rows, COLUMNS);
  });

  run(
    io,
    oneRobot(robot, 'show', 'show one robot (never its secret)'),
    async (c: Call<RobotFlags>, [n]: [string]) => {
      const name = robotName(n, c.flags.project);
      const r = await c.request<Robot>({
        path: `/robots/${seg(name)}`,
        what: `show robot ${name}`,
      });
      printRecord(io, c.format, r, SHOW_COLUMNS);
    },
  );

  const rotate = oneRobot(robot, 'rotate', 'replace the secret (the old one stops working); prints it once');
  run(io, rotate, async (c: Call<RobotFlags>, [n]: [string]) => {
    const name = robotName(n, c.flags.project);
    const path = `/robots/${seg(name)}/rotate`;
    const r = await c.request<RobotWithSecret>({
      method: 'POST',
      path,
      what: `rotate robot ${name}`,
    });
    printSecret(c, r, 'Rotated the secret of');
  });

  for (const [verbName, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    const cmd = oneRobot(
      robot,
      verbName,
      `${verbName} a robot (its secret ${disabled ? 'stops' : 'starts'} working)`,
    );
    run(io, cmd, async (c: Call<RobotFlags>, [n]: [string]) => {
      const r = await setDisabled(c, robotName(n, c.flags.project), disabled);
      printDone(io, c.format, r, `${disabled ? 'Disabled' : 'Enabled'} robot ${r.name}`);
    });
  }

  run(io, oneRobot(robot, 'delete', 'delete a robot'), async (c: Call<RobotFlags>, [n]: [string]) => {
    const name = robotName(n, c.flags.project);
    await c.request({
      method: 'DELETE',
      path: `/robots/${seg(name)}`,
      what: `delete robot ${name}`,
    });
    printDone(io, c.format, { name, deleted: true }, `Deleted robot ${name}`);
  });
}
