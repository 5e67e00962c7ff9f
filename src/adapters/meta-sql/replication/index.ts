import type { Kysely } from 'kysely';
import type { ReplicationStore } from '../../../ports/replication-store.js';
import type { Database } from '../schema.js';
import { SqlReplicationExecutionStore } from './executions.js';
import { SqlReplicationPolicyStore } from './policies.js';
import { SqlReplicationUploadStore } from './uploads.js';

/** Replication policies, executions and upload sessions over the metadata database. */
export class SqlReplicationStore implements ReplicationStore {
  readonly policies: SqlReplicationPolicyStore;
  readonly executions: SqlReplicationExecutionStore;
  readonly uploads: SqlReplicationUploadStore;

  constructor(db: Kysely<Database>) {
    this.policies = new SqlReplicationPolicyStore(db);
    this.executions = new SqlReplicationExecutionStore(db);
    this.uploads = new SqlReplicationUploadStore(db);
  }
}
