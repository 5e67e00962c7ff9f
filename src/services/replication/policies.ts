import { RegistryError } from '../../oci/errors.js';
import { isRepositoryName } from '../../oci/names.js';
import type {
  NewReplicationPolicy,
  ReplicationFilters,
  ReplicationPolicyPatch,
  ReplicationPolicyRecord,
  ReplicationPolicyStore,
  ReplicationTrigger,
} from '../../ports/replication-store.js';
import { parseSchedule } from '../cron.js';
import { isGlob } from './filters.js';
import type { CredentialSealer, EndpointCredentials, PolicyInput, PolicyPatch } from './types.js';

/** Sealed credentials are bound to this context (additional authenticated data). */
export const CREDENTIALS_CONTEXT = 'wharf.replication.credentials';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function invalid(message: string, detail?: unknown): RegistryError {
  return new RegistryError('WHARF_ERR_REQUEST_INVALID', message, { detail });
}

/** `https://host[:port]` (or http with `insecure`), nothing after the host but an optional `/`. */
export function checkEndpointUrl(url: string, insecure: boolean): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw invalid('endpoint url is not a URL', { field: 'endpoint.url' });
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw invalid('endpoint url must be http or https');
  if (u.protocol === 'http:' && !insecure) throw invalid('an http endpoint needs insecure: true');
  if (u.username || u.password) throw invalid('put credentials in endpoint.credentials, not in the url');
  if ((u.pathname !== '/' && u.pathname !== '') || u.search || u.hash)
    throw invalid('endpoint url is the registry origin (scheme, host, port) only');
  return `${u.protocol}//${u.host}`;
}

function checkFilters(f: ReplicationFilters, mode: string): ReplicationFilters {
  const out: ReplicationFilters = {};
  for (const key of ['repository', 'tag'] as const) {
    const v = f[key];
    if (v === undefined || v === '') continue;
    if (!isGlob(v)) throw invalid(`filters.${key} is not a valid glob`, { field: `filters.${key}` });
    out[key] = v;
  }
  if (f.label !== undefined && f.label !== '') {
    if (mode !== 'push') throw invalid('the label filter needs push mode (labels are this registry’s)');
    if (!/^[^=\s]{1,128}(=.{0,256})?$/.test(f.label)) throw invalid('filters.label is `key` or `key=value`');
    out.label = f.label;
  }
  if (f.artifactType !== undefined && f.artifactType !== '') out.artifactType = f.artifactType;
  return out;
}

function checkTrigger(t: ReplicationTrigger): ReplicationTrigger {
  if (t.kind === 'cron') {
    if (!parseSchedule(t.schedule))
      throw invalid("trigger.schedule is 'HH:MM' (daily, UTC) or an interval like 30s, 15m, 6h");
    return { kind: 'cron', schedule: t.schedule };
  }
  return { kind: t.kind };
}

function checkCredentials(c: EndpointCredentials): EndpointCredentials {
  if (c.type === 'basic' && (c.username === '' || c.password === ''))
    throw invalid('basic credentials need a username and a password');
  if (c.type === 'token' && c.token === '') throw invalid('token credentials need a token');
  return c;
}

function checkNamespace(ns: string | null | undefined): string | null {
  if (ns === undefined || ns === null || ns === '') return null;
  if (!isRepositoryName(ns)) throw invalid('destinationNamespace must be a repository path');
  return ns;
}

/** Policy CRUD with validation; credentials are sealed on the way in and never come back out. */
export class PolicyService {
  constructor(
    private readonly o: {
      store: ReplicationPolicyStore;
      sealer: () => Promise<CredentialSealer>;
      onChange?: () => void;
    },
  ) {}

  async create(input: PolicyInput): Promise<ReplicationPolicyRecord> {
    if (!NAME_RE.test(input.name)) throw invalid('name is 1-128 letters, digits, ".", "_" or "-"');
    const insecure = input.endpoint.insecure ?? false;
    const sealed = await this.sealed(input.endpoint.credentials ?? null);
    const p: NewReplicationPolicy = {
      name: input.name,
      description: input.description ?? '',
      project: input.project ?? null,
      mode: input.mode,
      endpointUrl: checkEndpointUrl(input.endpoint.url, insecure),
      insecure,
      ...sealed,
      filters: checkFilters(input.filters ?? {}, input.mode),
      trigger: checkTrigger(input.trigger ?? { kind: 'manual' }),
      destinationNamespace: checkNamespace(input.destinationNamespace),
      deleteReplication: input.deleteReplication ?? false,
      enabled: input.enabled ?? true,
    };
    const record = await this.o.store.create(p);
    this.o.onChange?.();
    return record;
  }

  async update(current: ReplicationPolicyRecord, patch: PolicyPatch): Promise<ReplicationPolicyRecord> {
    const mode = patch.mode ?? current.mode;
    const insecure = patch.endpoint?.insecure ?? current.insecure;
    const url = patch.endpoint?.url ?? current.endpointUrl;
    if (patch.name !== undefined && !NAME_RE.test(patch.name))
      throw invalid('name is 1-128 letters, digits, ".", "_" or "-"');
    const creds = patch.endpoint?.credentials;
    const p: ReplicationPolicyPatch = {
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.project !== undefined ? { project: patch.project } : {}),
      mode,
      endpointUrl: checkEndpointUrl(url, insecure),
      insecure,
      ...(creds !== undefined ? await this.sealed(creds) : {}),
      filters: checkFilters(patch.filters ?? current.filters, mode),
      ...(patch.trigger !== undefined ? { trigger: checkTrigger(patch.trigger) } : {}),
      ...(patch.destinationNamespace !== undefined
        ? { destinationNamespace: checkNamespace(patch.destinationNamespace) }
        : {}),
      ...(patch.deleteReplication !== undefined ? { deleteReplication: patch.deleteReplication } : {}),
      ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
    };
    const updated = await this.o.store.update(current.id, p);
    this.o.onChange?.();
    if (!updated) throw new RegistryError('WHARF_ERR_NOT_FOUND', 'replication policy not found');
    return updated;
  }

  async delete(id: number): Promise<boolean> {
    const deleted = await this.o.store.delete(id);
    this.o.onChange?.();
    return deleted;
  }

  /** The endpoint's credentials, opened. */
  async credentialsOf(p: ReplicationPolicyRecord): Promise<EndpointCredentials | undefined> {
    if (p.credentials === null) return undefined;
    return JSON.parse(
      (await this.o.sealer()).open(p.credentials, CREDENTIALS_CONTEXT),
    ) as EndpointCredentials;
  }

  private async sealed(
    c: EndpointCredentials | null,
  ): Promise<Pick<NewReplicationPolicy, 'credentials' | 'credentialType'>> {
    if (c === null) return { credentials: null, credentialType: null };
    const checked = checkCredentials(c);
    const plain =
      checked.type === 'basic'
        ? { type: 'basic', username: checked.username, password: checked.password }
        : { type: 'token', token: checked.token };
    const sealed = (await this.o.sealer()).seal(JSON.stringify(plain), CREDENTIALS_CONTEXT);
    return { credentials: sealed, credentialType: checked.type };
  }
}
