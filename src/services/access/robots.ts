import { ConflictError, type RobotRecord } from '../../ports/access-store.js';
import type { AccessContext } from './context.js';
import { AccessError, invalid, notFound } from './errors.js';
import { checkPermissions, ROBOT_PREFIX, robotName, robotProject } from './names.js';
import { generateSecret, hashSecret } from './passwords.js';
import type { RobotPermission } from './principal.js';
import type { ProjectAdmin } from './projects.js';

/** A robot as the access service shows it: never the secret's hash, and its owning project by name. */
export type Robot = Omit<RobotRecord, 'secretHash' | 'secretSalt'> & { project: string | null };

export interface NewRobot {
  /** Owning project; omitted for a system robot. */
  project?: string;
  /** The short name: the robot is `robot$<project>+<name>` or `robot$<name>`. */
  name: string;
  description?: string | null;
  permissions: RobotPermission[];
  /** When the robot stops working (exactly); null or omitted: never. Wins over `expiresInDays`. */
  expiresAt?: Date | null;
  /** Days until the robot stops working; null or omitted: never. */
  expiresInDays?: number | null;
}

export interface RobotPatch {
  description?: string | null;
  permissions?: RobotPermission[];
  /** The exact expiry; null: never expires. Wins over `expiresInDays`. */
  expiresAt?: Date | null;
  /** Days from now; null: never expires. */
  expiresInDays?: number | null;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export function robotView(r: RobotRecord): Robot {
  const { secretHash: _h, secretSalt: _s, ...view } = r;
  return { ...view, project: robotProject(r.name) };
}

const MAX_DAYS = 36_500;

/** The expiry an exact date or a number of days asks for; undefined when neither is given. */
function expiry(e: Pick<NewRobot, 'expiresAt' | 'expiresInDays'>): Date | null | undefined {
  const now = Date.now();
  if (e.expiresAt !== undefined) {
    if (e.expiresAt === null) return null;
    const at = e.expiresAt.getTime();
    if (!Number.isFinite(at) || at <= now || at > now + MAX_DAYS * DAY_MS)
      throw invalid('the expiry must be in the future and within 100 years');
    return new Date(at);
  }
  const days = e.expiresInDays;
  if (days === undefined) return undefined;
  if (days === null) return null;
  if (!Number.isFinite(days) || days <= 0 || days > MAX_DAYS)
    throw invalid(`expiresInDays must be between 0 and ${MAX_DAYS}`);
  return new Date(now + days * DAY_MS);
}

/** Robot accounts: generated secrets (shown once, stored hashed), explicit permissions, expiry. */
export class RobotAdmin {
  constructor(
    private readonly ctx: AccessContext,
    private readonly projects: ProjectAdmin,
  ) {}

  async create(r: NewRobot): Promise<{ robot: Robot; secret: string }> {
    const name = robotName(r.project, r.name);
    const permissions = checkPermissions(r.permissions, r.project);
    const expiresAt = expiry(r) ?? null;
    const owner = r.project === undefined ? null : await this.projects.require(r.project);
    await this.requireProjects(permissions);
    const secret = generateSecret();
    const { hash, salt } = hashSecret(secret);
    try {
      const created = await this.ctx.store.robots.create({
        name,
        projectId: owner?.id ?? null,
        description: r.description ?? null,
        permissions,
        secretHash: hash,
        secretSalt: salt,
        expiresAt,
        disabled: false,
      });
      this.ctx.log(`access: robot '${name}' created`);
      return { robot: robotView(created), secret };
    } catch (err) {
      if (err instanceof ConflictError) throw new AccessError('CONFLICT', `robot '${name}' already exists`);
      throw err;
    } finally {
      this.ctx.principalChanged(name);
    }
  }

  async get(name: string): Promise<Robot | undefined> {
    const r = await this.ctx.store.robots.get(name);
    return r && robotView(r);
  }

  /** A project's robots, or the system robots when `project` is omitted. */
  async list(project?: string): Promise<Robot[]> {
    const owner = project === undefined ? null : (await this.projects.require(project)).id;
    return (await this.ctx.store.robots.list(owner)).map(robotView);
  }

  async update(name: string, patch: RobotPatch): Promise<Robot> {
    await this.require(name);
    const owner = robotProject(name) ?? undefined;
    const permissions = patch.permissions && checkPermissions(patch.permissions, owner);
    if (permissions) await this.requireProjects(permissions);
    const expiresAt = expiry(patch);
    return this.change(name, {
      ...(patch.description === undefined ? {} : { description: patch.description }),
      ...(permissions === undefined ? {} : { permissions }),
      ...(expiresAt === undefined ? {} : { expiresAt }),
    });
  }

  /** A new secret replaces the old one, which stops working at once (in this process; within the credential TTL elsewhere). */
  async rotateSecret(name: string): Promise<string> {
    const secret = generateSecret();
    const { hash, salt } = hashSecret(secret);
    await this.change(name, { secretHash: hash, secretSalt: salt });
    this.ctx.log(`access: secret of robot '${name}' rotated`);
    return secret;
  }

  async setDisabled(name: string, disabled: boolean): Promise<Robot> {
    const robot = await this.change(name, { disabled });
    this.ctx.log(`access: robot '${name}' ${disabled ? 'disabled' : 'enabled'}`);
    return robot;
  }

  async delete(name: string): Promise<void> {
    const deleted = await this.ctx.store.robots.delete(name);
    this.ctx.principalChanged(name);
    if (!deleted) throw notFound('robot', name);
    this.ctx.log(`access: robot '${name}' deleted`);
  }

  private async require(name: string): Promise<RobotRecord> {
    const r = name.startsWith(ROBOT_PREFIX) ? await this.ctx.store.robots.get(name) : undefined;
    if (!r) throw notFound('robot', name);
    return r;
  }

  private async change(
    name: string,
    patch: Parameters<AccessContext['store']['robots']['update']>[1],
  ): Promise<Robot> {
    const updated = await this.ctx.store.robots.update(name, patch);
    this.ctx.principalChanged(name);
    if (!updated) throw notFound('robot', name);
    return robotView(updated);
  }

  /** Every project named in the permissions ('*' aside) must exist. */
  private async requireProjects(permissions: RobotPermission[]): Promise<void> {
    for (const p of permissions) if (p.project !== '*') await this.projects.require(p.project);
  }
}
