import { type Kysely, sql } from 'kysely';
import type { MetaStore } from '../../ports/meta-store.js';
import { SqlAccessStore } from './access/index.js';
import { SqlActivityStore } from './activity.js';
import { SqlBlobMetaStore } from './blobs.js';
import { SqlCatalogStore } from './catalog.js';
import { digestLocks } from './digest-locks.js';
import { SqlEventStore } from './events/index.js';
import { SqlGcStore } from './gc.js';
import { SqlImmutabilityStore } from './immutability.js';
import { SqlLabelStore } from './labels.js';
import { SqlManifestStore } from './manifests.js';
import { SqlPromotionStore } from './promotion.js';
import { SqlReplicationStore } from './replication/index.js';
import { SqlRepositoryStore } from './repositories.js';
import { SqlRetentionStore } from './retention.js';
import type { Database, SqlDialect } from './schema.js';
import { SqlTagStore } from './tags.js';
import { SqlUploadStore } from './uploads.js';
import { SqlUsageStore } from './usage.js';

/** The MetaStore over Kysely: the same queries on SQLite and PostgreSQL, split by aggregate. */
export class SqlMetaStore implements MetaStore {
  readonly repos: SqlRepositoryStore;
  readonly blobs: SqlBlobMetaStore;
  readonly manifests: SqlManifestStore;
  readonly tags: SqlTagStore;
  readonly uploads: SqlUploadStore;
  readonly access: SqlAccessStore;
  readonly events: SqlEventStore;
  readonly usage: SqlUsageStore;
  readonly replication: SqlReplicationStore;
  readonly catalog: SqlCatalogStore;
  readonly gc: SqlGcStore;
  readonly labels: SqlLabelStore;
  readonly immutability: SqlImmutabilityStore;
  readonly activity: SqlActivityStore;
  readonly promotion: SqlPromotionStore;
  readonly retention: SqlRetentionStore;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    readonly dialect: SqlDialect,
  ) {
    this.repos = new SqlRepositoryStore(db);
    // Blob writers and garbage collection share the per-digest locks.
    const locks = digestLocks(db, dialect);
    this.blobs = new SqlBlobMetaStore(db, locks);
    this.manifests = new SqlManifestStore(db, dialect);
    this.gc = new SqlGcStore(db, dialect, locks);
    this.tags = new SqlTagStore(db);
    this.uploads = new SqlUploadStore(db);
    this.access = new SqlAccessStore(db, dialect);
    this.events = new SqlEventStore(db, dialect);
    this.usage = new SqlUsageStore(db);
    this.replication = new SqlReplicationStore(db);
    this.catalog = new SqlCatalogStore(db);
    this.labels = new SqlLabelStore(db);
    this.immutability = new SqlImmutabilityStore(db);
    this.activity = new SqlActivityStore(db);
    this.promotion = new SqlPromotionStore(db);
    this.retention = new SqlRetentionStore(db);
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  /** Ends the pool or closes the SQLite file; calling it again is harmless. */
  close(): Promise<void> {
    this.closing ??= this.db.destroy();
    return this.closing;
  }
}
