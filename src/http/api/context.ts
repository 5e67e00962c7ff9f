import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { Digest } from '../../oci/digest.js';
import type { CatalogStore } from '../../ports/catalog-store.js';
import type { GcRunRecord } from '../../ports/gc-store.js';
import type { ImmutabilityStore, LabelStore } from '../../ports/lifecycle-store.js';
import type { TagStore } from '../../ports/meta-store.js';
import type { RetentionStore } from '../../ports/retention-store.js';
import type { Principal } from '../../services/access/principal.js';
import type { AuditService, WebhookService } from '../../services/events/index.js';
import type { RetentionService, ScrubReport } from '../../services/lifecycle/index.js';
import type { PromotionService } from '../../services/promotion/index.js';
import type { Registry } from '../../services/registry/index.js';
import type { ReplicationService } from '../../services/replication/index.js';
import type { ManagementAccess } from './access.js';

/** The API scope's fastify instance: TypeBox schemas give both validation and handler types. */
export type ApiApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** The audit log and the webhooks (`createEventing`'s result has this shape). */
export interface ApiEvents {
  audit: AuditService;
  webhooks: WebhookService;
}

/** A signature, attestation or SBOM of an artifact, as the artifact view lists it. */
export interface AttachmentView {
  kind: 'signature' | 'attestation' | 'sbom' | 'other';
  source: 'referrer' | 'tag';
  /** The manifest holding it (the referrer, or the cosign tag's manifest). */
  manifest: Digest;
  /** The cosign tag (`sha256-<hex>.sig`) it is under; null for referrers. */
  tag: string | null;
  layer: Digest | null;
  mediaType: string;
  predicateType: string | null;
  /** null: not checked (the project trusts no key, or the attachment carries no signature). */
  verified: boolean | null;
  reason: string | null;
}

/** Tag history, immutability rules and labels (`meta.tags`, `meta.immutability`, `meta.labels`). */
export interface ApiLifecycle {
  tagHistory: Pick<TagStore, 'history'>;
  immutability: ImmutabilityStore;
  labels: LabelStore;
}

/** Retention policies and runs (`meta.retention`, the retention service). */
export interface ApiRetention {
  store: Pick<RetentionStore, 'get' | 'put' | 'delete' | 'runs' | 'run'>;
  service: Pick<RetentionService, 'run'>;
}

/** Garbage collection and scrub (the lifecycle service). */
export interface ApiSystem {
  gc(opts: { dryRun?: boolean }): Promise<GcRunRecord>;
  runs(page: { before?: number; limit: number }): Promise<GcRunRecord[]>;
  scrub(): Promise<ScrubReport>;
}

/** What every route group is given. */
export interface ApiContext {
  access: ManagementAccess;
  catalog: CatalogStore;
  registry: Registry;
  /** An artifact's attachments, verified with its project's trusted keys; absent: none are listed. */
  attachments?: (repository: string, digest: Digest) => Promise<AttachmentView[]>;
  /** Absent when the server runs without events: the audit and webhook routes are then not registered. */
  events?: ApiEvents;
  /** Absent: the tag history, immutability and label routes are not registered. */
  lifecycle?: ApiLifecycle;
  /** Absent: the replication routes are not registered. */
  replication?: ReplicationService;
  /** Absent: the retention routes are not registered. */
  retention?: ApiRetention;
  /** Absent: the /system routes (garbage collection, scrub) are not registered. */
  system?: ApiSystem;
  /** Absent: the promotion, rollback and revocation routes are not registered. */
  promotion?: PromotionService;
  /** The authenticated caller of a request (set before any handler runs). */
  principal(req: FastifyRequest): Principal;
  /** Drops cached credentials after users or robots change. */
  credentialsChanged(): void;
}

/** The context of the route groups that need the events services (registered only when present). */
export type EventsApiContext = ApiContext & { events: ApiEvents };

/** The context of the tag history, immutability and label routes (registered only when present). */
export type LifecycleApiContext = ApiContext & { lifecycle: ApiLifecycle };

/** The context of the replication routes (registered only when replication is composed). */
export type ReplicationApiContext = ApiContext & { replication: ReplicationService };

/** The context of the promotion, rollback and revocation routes (registered only when present). */
export type PromotionApiContext = ApiContext & { promotion: PromotionService };
/** The context of the retention routes (registered only when retention is composed). */
export type RetentionApiContext = ApiContext & { retention: ApiRetention };
