import type { Command } from 'commander';
import { seg } from '../../client/api-client.js';
import { type CliIo, UsageError } from './io.js';
import { type ApiFlags, type Call, run, verb } from './manage.js';
import { type Column, printDone, printRows } from './table.js';

export const ROLES = ['projectAdmin', 'maintainer', 'developer', 'guest', 'limitedGuest'] as const;

interface Member {
  username: string;
  role: string;
}

interface MemberFlags extends ApiFlags {
  role?: string;
}

const COLUMNS: Column<Member>[] = [
  { header: 'USERNAME', get: (m) => m.username },
  { header: 'ROLE', get: (m) => m.role },
];

function checkRole(role: string | undefined): string {
  if (role === undefined) throw new UsageError(`--role is required (${ROLES.join(', ')})`);
  if (!(ROLES as readonly string[]).includes(role))
    throw new UsageError(`unknown role "${role}" (use ${ROLES.join(', ')})`);
  return role;
}

export function registerMember(program: Command, io: CliIo): void {
  const member = program.command('member').description("manage a project's members and their roles");

  const add = verb(member, 'add', "add a user to a project, or change a member's role (project admins)")
    .argument('<project>', 'project name')
    .argument('<user>', 'user name')
    .option('--role <role>', ROLES.join(' | '));
  run(
    io,
    add,
    async ({ request, flags, format }: Call<MemberFlags>, [project, username]: [string, string]) => {
      const role = checkRole(flags.role);
      const m = await request<Member>({
        method: 'POST',
        path: `/projects/${seg(project)}/members`,
        body: { username, role },
        what: `add ${username} to project ${project}`,
      });
      printDone(io, format, m, `${m.username} is ${m.role} of project ${project}`);
    },
  );

  const remove = verb(member, 'remove', 'remove a member from a project (project admins)')
    .argument('<project>', 'project name')
    .argument('<user>', 'user name');
  run(io, remove, async ({ request, format }: Call<MemberFlags>, [project, username]: [string, string]) => {
    await request({
      method: 'DELETE',
      path: `/projects/${seg(project)}/members/${seg(username)}`,
      what: `remove ${username} from project ${project}`,
    });
    printDone(
      io,
      format,
      { project, username, removed: true },
      `Removed ${username} from project ${project}`,
    );
  });

  const list = verb(member, 'list', 'list the members of a project').argument('<project>', 'project name');
  run(io, list, async ({ list, format }: Call<MemberFlags>, [project]: [string]) => {
    const path = `/projects/${seg(project)}/members`;
    const rows = await list<Member>({ path, what: `list members of project ${project}` });
    printRows(io, format, rows, COLUMNS);
  });
}
