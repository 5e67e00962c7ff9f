import {
  ConflictError,
  type ProjectRecord,
  type ProxySettings,
  type SupplyChainSettings,
} from '../../ports/access-store.js';
import { checkProxySettings, type ProxyInput, ProxySettingsError } from '../proxy/settings.js';
import type { SecretBox } from '../secrets/index.js';
import { checkSupplyChainSettings, SettingsError } from '../supplychain/settings.js';
import type { AccessContext } from './context.js';
import { AccessError, invalid, isAccessError, notFound } from './errors.js';
import { checkProjectName } from './names.js';

export interface NewProject {
  name: string;
  /** Default false: private. */
  public?: boolean;
  /** Bytes; null or omitted: unlimited. */
  quotaBytes?: number | null;
  /** Pulls per minute for the whole project; null or omitted: unlimited. */
  pullRatePerMinute?: number | null;
  /** A proxy cache of this upstream (services/proxy); omitted or null: an ordinary project. */
  proxy?: ProxyInput | null;
}

export type ProjectPatch = Partial<Pick<ProjectRecord, 'public' | 'quotaBytes' | 'pullRatePerMinute'>> & {
  /** Merged into the current rules; the result is checked as a whole (see checkSupplyChainSettings). */
  supplyChain?: Partial<SupplyChainSettings>;
  /** Replaces the proxy setting (credentials omitted: kept for the same upstream); null: no proxy. */
  proxy?: ProxyInput | null;
};

export interface Page {
  /** The last name of the previous page. */
  last?: string;
  /** Default 100. */
  n?: number;
}

export const storePage = (page: Page) => ({
  n: Math.max(1, Math.min(page.n ?? 100, 1000)),
  ...(page.last === undefined ? {} : { last: page.last }),
});

function checkLimit(what: string, v: number | null | undefined): void {
  if (v === undefined || v === null) return;
  if (!Number.isSafeInteger(v) || v < 0) throw invalid(`${what} must be a non-negative integer or null`);
}

function checkSettings(p: ProjectPatch): void {
  checkLimit('quotaBytes', p.quotaBytes);
  checkLimit('pullRatePerMinute', p.pullRatePerMinute);
  if (p.public !== undefined && typeof p.public !== 'boolean') throw invalid('public must be a boolean');
}

/** Projects: create (validated names), read, change settings, delete. */
export class ProjectAdmin {
  /** `secrets` seals proxy credentials; without it a project may proxy only anonymously. */
  constructor(
    private readonly ctx: AccessContext,
    private readonly secrets?: SecretBox,
  ) {}

  async create(p: NewProject): Promise<ProjectRecord> {
    checkProjectName(p.name);
    checkSettings(p);
    const proxy = p.proxy ? this.proxy(p.name, p.proxy, null) : null;
    try {
      const created = await this.ctx.store.projects.create({
        name: p.name,
        public: p.public ?? false,
        quotaBytes: p.quotaBytes ?? null,
        pullRatePerMinute: p.pullRatePerMinute ?? null,
        proxy,
      });
      this.ctx.log(`access: project '${p.name}' created`);
      return created;
    } catch (err) {
      if (err instanceof ConflictError)
        throw new AccessError('CONFLICT', `project '${p.name}' already exists`);
      throw err;
    } finally {
      this.ctx.projectChanged(p.name);
    }
  }

  /** The project, created private with no limits when it does not exist yet (first push by an admin). */
  async ensure(name: string): Promise<ProjectRecord> {
    const existing = await this.ctx.store.projects.get(name);
    if (existing) return existing;
    try {
      return await this.create({ name });
    } catch (err) {
      if (!isAccessError(err, 'CONFLICT')) throw err;
      const winner = await this.ctx.store.projects.get(name);
      if (!winner) throw err;
      return winner;
    }
  }

  get(name: string): Promise<ProjectRecord | undefined> {
    return this.ctx.store.projects.get(name);
  }

  async require(name: string): Promise<ProjectRecord> {
    const p = await this.ctx.store.projects.get(name);
    if (!p) throw notFound('project', name);
    return p;
  }

  list(page: Page = {}): Promise<ProjectRecord[]> {
    return this.ctx.store.projects.list(storePage(page));
  }

  async update(name: string, { supplyChain, proxy, ...patch }: ProjectPatch): Promise<ProjectRecord> {
    checkSettings(patch);
    const rules = supplyChain && (await this.supplyChain(name, supplyChain));
    const upstream =
      proxy === undefined ? undefined : proxy && this.proxy(name, proxy, (await this.require(name)).proxy);
    const updated = await this.ctx.store.projects.update(name, {
      ...patch,
      ...(rules ? { supplyChain: rules } : {}),
      ...(upstream !== undefined ? { proxy: upstream } : {}),
    });
    this.ctx.projectChanged(name);
    if (!updated) throw notFound('project', name);
    return updated;
  }

  /** A proxy setting checked, its password sealed for the project (INVALID names the field). */
  private proxy(name: string, input: ProxyInput, current: ProxySettings | null): ProxySettings {
    try {
      return checkProxySettings(input, current, name, this.secrets);
    } catch (err) {
      if (err instanceof ProxySettingsError) throw invalid(err.message);
      throw err;
    }
  }

  /** The project's rules with `patch` applied, checked (INVALID names the failing field). */
  private async supplyChain(name: string, patch: Partial<SupplyChainSettings>): Promise<SupplyChainSettings> {
    const current = await this.require(name);
    try {
      return checkSupplyChainSettings({ ...current.supplyChain, ...patch });
    } catch (err) {
      if (err instanceof SettingsError) throw invalid(err.message);
      throw err;
    }
  }

  /**
   * Deletes the project with its members and robots, and takes it out of system robots'
   * permissions (so a project later created with the same name grants them nothing). Repositories
   * are not the access service's: the caller decides what happens to them.
   */
  async delete(name: string): Promise<void> {
    const deleted = await this.ctx.store.projects.delete(name);
    this.ctx.projectChanged(name, true);
    if (!deleted) throw notFound('project', name);
    for (const robot of await this.ctx.store.robots.list(null)) {
      const kept = robot.permissions.filter((p) => p.project !== name);
      if (kept.length !== robot.permissions.length)
        await this.ctx.store.robots.update(robot.name, { permissions: kept });
    }
    this.ctx.projectChanged(name, true);
    this.ctx.log(`access: project '${name}' deleted`);
  }
}
