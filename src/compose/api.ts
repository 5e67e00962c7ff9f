import type { FastifyPluginAsync } from 'fastify';
import type { Config } from '../config/index.js';
import { managementAccess } from '../http/api/access-adapter.js';
import { type ApiAuthenticator, type ManagementAccess, managementApi } from '../http/api/index.js';
import type { LoginFailure } from '../http/auth/index.js';
import type { Digest } from '../oci/digest.js';
import type { MetaStore } from '../ports/meta-store.js';
import type { AccessService } from '../services/access/index.js';
import type { Eventing } from '../services/events/index.js';
import type { LifecycleService, RetentionService } from '../services/lifecycle/index.js';
import type { PromotionService } from '../services/promotion/index.js';
import type { Registry } from '../services/registry/index.js';
import type { ReplicationService } from '../services/replication/index.js';
import type { SupplyChain } from '../services/supplychain/index.js';

/** With `auth: none`, the management API treats every caller as a system admin (local experiments). */
const openApi: ApiAuthenticator = async () => ({ kind: 'user', id: 0, name: 'admin', admin: true });

/** A deleted project takes its webhooks along (they live in the events store, not the access one). */
function withProjectCleanup(access: ManagementAccess, eventing: Eventing): ManagementAccess {
  return {
    ...access,
    projects: {
      ...access.projects,
      delete: async (name) => {
        await access.projects.delete(name);
        await eventing.webhooks.deleteProject(name);
      },
    },
  };
}

/** The management API under /api/v1 on the real services. */
export function composeApi(o: {
  config: Config;
  meta: MetaStore;
  access: AccessService;
  eventing: Eventing;
  registry: Registry;
  supplyChain: SupplyChain;
  lifecycle: LifecycleService;
  replication: ReplicationService;
  promotion?: PromotionService;
  retention: RetentionService;
  onLoginFailure: (f: LoginFailure) => unknown;
  version: string;
}): FastifyPluginAsync {
  return managementApi({
    access: withProjectCleanup(managementAccess(o.access), o.eventing),
    events: o.eventing,
    catalog: o.meta.catalog,
    registry: o.registry,
    lifecycle: { tagHistory: o.meta.tags, immutability: o.meta.immutability, labels: o.meta.labels },
    system: o.lifecycle,
    replication: o.replication,
    ...(o.promotion ? { promotion: o.promotion } : {}),
    retention: { store: o.meta.retention, service: o.retention },
    attachments: (repo: string, digest: Digest) => o.supplyChain.attachments(repo, digest),
    onLoginFailure: o.onLoginFailure,
    version: o.version,
    ...(o.config.auth === 'none' ? { authenticate: openApi } : {}),
  });
}
