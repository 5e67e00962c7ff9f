import type { Command } from 'commander';
import { seg } from '../../client/api-client.js';
import { type CliIo, UsageError } from './io.js';
import { type ApiFlags, type Call, readSecretStdin, run, verb } from './manage.js';
import { type Column, printDone, printRecord, printRows, shortTime } from './table.js';
import { parseLimit } from './values.js';

interface User {
  username: string;
  email: string | null;
  admin: boolean;
  disabled: boolean;
  createdAt: string;
}

interface UserFlags extends ApiFlags {
  admin?: boolean;
  email?: string;
  limit?: string;
  disable?: boolean;
  enable?: boolean;
}

/** The PATCH body `user update` asks for; at least one change. */
function userChanges(f: UserFlags): Record<string, unknown> {
  if (f.disable && f.enable) throw new UsageError('--disable and --enable exclude each other');
  const body = {
    ...(f.admin === undefined ? {} : { admin: f.admin }),
    ...(f.disable ? { disabled: true } : f.enable ? { disabled: false } : {}),
    ...(f.email === undefined ? {} : { email: f.email === '' ? null : f.email }),
  };
  if (Object.keys(body).length === 0)
    throw new UsageError('nothing to change: give --admin, --no-admin, --disable, --enable or --email');
  return body;
}

const COLUMNS: Column<User>[] = [
  { header: 'USERNAME', get: (u) => u.username },
  { header: 'ADMIN', get: (u) => u.admin },
  { header: 'DISABLED', get: (u) => u.disabled },
  { header: 'EMAIL', get: (u) => u.email },
  { header: 'CREATED', get: (u) => shortTime(u.createdAt) },
];

/** The new password of `user`: stdin holds it (the server does not generate passwords). */
async function newPassword(c: Call<UserFlags>, user: string): Promise<string> {
  if (!c.flags.passwordStdin)
    throw new UsageError(`a password for ${user} is required: pipe it to --password-stdin`);
  const password = await readSecretStdin(c.io);
  if (password.length < 8) throw new UsageError('the password must be at least 8 characters');
  return password;
}

const NEW_PASSWORD = "read the user's new password from stdin (required)";
/** Where stdin carries the new password, your own comes from -p or the docker config. */
const NO_STDIN = { passwordStdin: false };

export function registerUser(program: Command, io: CliIo): void {
  const user = program.command('user').description('manage the local users of a Wharf server');

  const create = verb(user, 'create', 'create a user (system administrators)')
    .argument('<name>', 'user name')
    .option('--admin', 'make the user a system administrator')
    .option('--email <address>', 'e-mail address')
    .option('--password-stdin', NEW_PASSWORD);
  const createUser = async (c: Call<UserFlags>, [name]: [string]) => {
    const password = await newPassword(c, name);
    const body = { username: name, password, admin: c.flags.admin === true, email: c.flags.email };
    const u = await c.request<User>({
      method: 'POST',
      path: '/users',
      body,
      what: `create user ${name}`,
    });
    printDone(io, c.format, u, `Created user ${u.username}${u.admin ? ' (system administrator)' : ''}`);
  };
  run(io, create, createUser, NO_STDIN);

  const list = verb(user, 'list', 'list users (system administrators)').option(
    '--limit <n>',
    'at most this many',
  );
  run(io, list, async ({ list, flags, format }: Call<UserFlags>) => {
    const limit = parseLimit(flags.limit);
    printRows(io, format, await list<User>({ path: '/users', what: 'list users' }, limit), COLUMNS);
  });

  const show = verb(user, 'show', 'show one user').argument('<name>', 'user name');
  run(io, show, async ({ request, format }: Call<UserFlags>, [name]: [string]) => {
    const u = await request<User>({ path: `/users/${seg(name)}`, what: `show user ${name}` });
    printRecord(io, format, u, COLUMNS);
  });

  const passwd = verb(user, 'passwd', "change a user's password (the user itself, or administrators)")
    .argument('<name>', 'user name')
    .option('--password-stdin', NEW_PASSWORD);
  const changePassword = async (c: Call<UserFlags>, [name]: [string]) => {
    const password = await newPassword(c, name);
    await c.request<User>({
      method: 'PATCH',
      path: `/users/${seg(name)}`,
      body: { password },
      what: `change the password of ${name}`,
    });
    printDone(io, c.format, { username: name, passwordChanged: true }, `Changed the password of ${name}`);
  };
  run(io, passwd, changePassword, NO_STDIN);

  const update = verb(user, 'update', "change a user's admin flag, state or e-mail (system administrators)")
    .argument('<name>', 'user name')
    .option('--admin', 'make the user a system administrator')
    .option('--no-admin', 'take the system administrator flag away')
    .option('--disable', 'stop the account (its credentials stop working at once)')
    .option('--enable', 'let a disabled account work again')
    .option('--email <address>', 'e-mail address ("" clears it)');
  run(io, update, async ({ request, flags, format }: Call<UserFlags>, [name]: [string]) => {
    const u = await request<User>({
      method: 'PATCH',
      path: `/users/${seg(name)}`,
      body: userChanges(flags),
      what: `update user ${name}`,
    });
    printDone(io, format, u, `Updated user ${u.username}`);
  });

  const del = verb(user, 'delete', 'delete a user (system administrators)').argument('<name>', 'user name');
  run(io, del, async ({ request, format }: Call<UserFlags>, [name]: [string]) => {
    await request({
      method: 'DELETE',
      path: `/users/${seg(name)}`,
      what: `delete user ${name}`,
    });
    printDone(io, format, { username: name, deleted: true }, `Deleted user ${name}`);
  });
}
