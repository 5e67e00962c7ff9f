import { ConflictError, type UserRecord } from '../../ports/access-store.js';
import type { AccessContext } from './context.js';
import { AccessError, notFound } from './errors.js';
import { checkEmail, checkPassword, checkUsername } from './names.js';
import { hashPassword } from './passwords.js';
import { type Page, storePage } from './projects.js';

/** A user as the access service shows it: never the password hash. */
export type User = Omit<UserRecord, 'passwordHash' | 'passwordSalt'>;

export interface NewUser {
  username: string;
  password: string;
  email?: string | null;
  /** System administrator; default false. */
  admin?: boolean;
}

export interface UserPatch {
  email?: string | null;
  admin?: boolean;
  disabled?: boolean;
  password?: string;
}

export function userView(u: UserRecord): User {
  const { passwordHash: _h, passwordSalt: _s, ...view } = u;
  return view;
}

const enabledAdmin = (u: UserRecord) => u.admin && !u.disabled;

/** Local users: scrypt-hashed passwords, the system admin flag, disabling. */
export class UserAdmin {
  constructor(private readonly ctx: AccessContext) {}

  async create(u: NewUser): Promise<User> {
    checkUsername(u.username);
    checkPassword(u.password);
    const email = checkEmail(u.email ?? null);
    const { hash, salt } = await hashPassword(u.password);
    try {
      const created = await this.ctx.store.users.create({
        username: u.username,
        email,
        admin: u.admin ?? false,
        disabled: false,
        passwordHash: hash,
        passwordSalt: salt,
      });
      this.ctx.log(`access: user '${u.username}' created${created.admin ? ' (system admin)' : ''}`);
      return userView(created);
    } catch (err) {
      if (err instanceof ConflictError)
        throw new AccessError('CONFLICT', `user '${u.username}' already exists`);
      throw err;
    } finally {
      this.ctx.principalChanged(u.username);
    }
  }

  async get(username: string): Promise<User | undefined> {
    const u = await this.ctx.store.users.get(username);
    return u && userView(u);
  }

  async require(username: string): Promise<UserRecord> {
    const u = await this.ctx.store.users.get(username);
    if (!u) throw notFound('user', username);
    return u;
  }

  async list(page: Page = {}): Promise<User[]> {
    return (await this.ctx.store.users.list(storePage(page))).map(userView);
  }

  /** Changes any of email, admin flag, disabled flag and password; refuses to lose the last enabled admin. */
  async update(username: string, patch: UserPatch): Promise<User> {
    if (patch.email !== undefined) checkEmail(patch.email);
    if (patch.password !== undefined) checkPassword(patch.password);
    const current = await this.require(username);
    const after = { ...current, ...pick(patch) };
    if (enabledAdmin(current) && !enabledAdmin(after)) await this.keepAnAdmin(username);
    const secret = patch.password === undefined ? undefined : await hashPassword(patch.password);
    const updated = await this.ctx.store.users.update(username, {
      ...pick(patch),
      ...(secret === undefined ? {} : { passwordHash: secret.hash, passwordSalt: secret.salt }),
    });
    this.ctx.principalChanged(username);
    if (!updated) throw notFound('user', username);
    if (patch.password !== undefined) this.ctx.log(`access: password of user '${username}' changed`);
    return userView(updated);
  }

  /** Deletes the user and its memberships; refuses to delete the last enabled admin. */
  async delete(username: string): Promise<void> {
    const current = await this.require(username);
    if (enabledAdmin(current)) await this.keepAnAdmin(username);
    const deleted = await this.ctx.store.users.delete(username);
    this.ctx.principalChanged(username);
    this.ctx.membershipChanged();
    if (!deleted) throw notFound('user', username);
    this.ctx.log(`access: user '${username}' deleted`);
  }

  private async keepAnAdmin(leaving: string): Promise<void> {
    for (let last: string | undefined; ; ) {
      const page = await this.ctx.store.users.list({ n: 500, ...(last === undefined ? {} : { last }) });
      if (page.some((u) => u.username !== leaving && enabledAdmin(u))) return;
      if (page.length < 500) break;
      last = page.at(-1)?.username;
    }
    throw new AccessError('FORBIDDEN', `'${leaving}' is the last enabled system administrator`);
  }
}

function pick(p: UserPatch): Partial<Pick<UserRecord, 'email' | 'admin' | 'disabled'>> {
  return {
    ...(p.email === undefined ? {} : { email: p.email }),
    ...(p.admin === undefined ? {} : { admin: p.admin }),
    ...(p.disabled === undefined ? {} : { disabled: p.disabled }),
  };
}
