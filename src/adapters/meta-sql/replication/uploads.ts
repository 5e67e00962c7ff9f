import type { Kysely } from 'kysely';
import type { ReplicationUploadStore } from '../../../ports/replication-store.js';
import type { Database } from '../schema.js';

/** Where interrupted blob uploads of each artifact stand (their upload URL or local session id). */
export class SqlReplicationUploadStore implements ReplicationUploadStore {
  constructor(private readonly db: Kysely<Database>) {}

  async get(artifactId: number, repository: string, digest: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('replication_uploads')
      .select('location')
      .where('artifact_id', '=', artifactId)
      .where('repository', '=', repository)
      .where('digest', '=', digest)
      .executeTakeFirst();
    return row?.location;
  }

  async set(artifactId: number, repository: string, digest: string, location: string): Promise<void> {
    const now = Date.now();
    await this.db
      .insertInto('replication_uploads')
      .values({ artifact_id: artifactId, repository, digest, location, updated_at: now })
      .onConflict((oc) =>
        oc.columns(['artifact_id', 'repository', 'digest']).doUpdateSet({ location, updated_at: now }),
      )
      .execute();
  }

  async delete(artifactId: number, repository: string, digest: string): Promise<void> {
    await this.db
      .deleteFrom('replication_uploads')
      .where('artifact_id', '=', artifactId)
      .where('repository', '=', repository)
      .where('digest', '=', digest)
      .execute();
  }

  async clear(artifactId: number): Promise<void> {
    await this.db.deleteFrom('replication_uploads').where('artifact_id', '=', artifactId).execute();
  }
}
