import type { ArtifactCopyResult } from '../../client/copy-artifact.js';
import { copyArtifact } from '../../client/copy-artifact.js';
import { RegistryClientError } from '../../client/errors.js';
import type { Digest } from '../../oci/digest.js';
import { isRegistryError } from '../../oci/errors.js';
import type { ArtifactPatch, ArtifactRecord, ReplicationStore } from '../../ports/replication-store.js';
import { type JobContext, PermanentJobError } from '../events/jobs.js';
import { openSides, type Sides, type SidesOptions } from './sides.js';
import type { ArtifactJob } from './types.js';

const DONE = new Set(['copied', 'skipped', 'failed', 'planned', 'deleted']);

export interface ArtifactRunnerOptions extends SidesOptions {
  store: ReplicationStore;
  /** Blobs copied at once per artifact. Default 4. */
  concurrency?: number;
}

/**
 * Refused rather than failed: bad credentials (401) or no permission or a policy (403, at either
 * side). Another attempt gets the same answer until someone changes the policy or the rights.
 */
function refused(err: unknown): boolean {
  const status = err instanceof RegistryClientError || isRegistryError(err) ? err.status : 0;
  return status === 401 || status === 403;
}

function detailOf(r: ArtifactCopyResult): Record<string, unknown> {
  const all = [r.image, ...r.attachments.map((a) => a.result)];
  return {
    mediaType: r.mediaType,
    manifests: r.image.manifests,
    manifestsCopied: all.reduce((n, x) => n + x.manifestsCopied, 0),
    blobsCopied: all.reduce((n, x) => n + x.blobsCopied, 0),
    blobsMounted: all.reduce((n, x) => n + x.blobsMounted, 0),
    blobsSkipped: all.reduce((n, x) => n + x.blobsSkipped, 0),
    attachments: r.attachments.map((a) => ({
      kind: a.kind,
      subject: a.subject,
      digest: a.digest,
      ...(a.tag ? { tag: a.tag } : {}),
    })),
  };
}

async function copyOne(
  sides: Sides,
  art: ArtifactRecord,
  dryRun: boolean,
  concurrency: number | undefined,
): Promise<ArtifactPatch> {
  const ref = art.tag !== null ? { tag: art.tag } : { digest: art.digest as Digest };
  const r = await copyArtifact(sides.source(art.repository), sides.destination(art.destination), ref, {
    dryRun,
    ...(concurrency !== undefined ? { concurrency } : {}),
  });
  const status = !r.written ? 'skipped' : dryRun ? 'planned' : 'copied';
  return { status, digest: r.digest, bytes: r.bytesCopied, detail: detailOf(r) };
}

/** Deletes at the destination what was deleted here (by digest, else the tag); gone already counts as done. */
async function deleteOne(sides: Sides, art: ArtifactRecord): Promise<ArtifactPatch> {
  const reference = art.digest ?? art.tag;
  if (reference === null) throw new PermanentJobError('a deletion names neither a digest nor a tag');
  const dst = sides
    .destination(art.destination)
    .at(art.digest !== null ? { digest: art.digest as Digest } : { tag: art.tag as string });
  try {
    if ((await dst.rootDigest?.()) !== undefined)
      await sides.remote.deleteManifest(art.destination, reference);
  } catch (err) {
    if ((err as { status?: number }).status !== 404) throw err;
  }
  return { status: 'deleted', bytes: 0, detail: { reference } };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * `replication.artifact`: copies one artifact (with everything attached) or replicates one
 * deletion. A failed attempt is recorded as `retrying` and thrown, so the jobs queue retries it with
 * backoff (an interrupted blob upload resumes where the destination's session stands); out of
 * attempts it is `failed`. The execution finishes when its last artifact does.
 */
export function artifactRunner(o: ArtifactRunnerOptions) {
  const executions = o.store.executions;
  return async (payload: unknown, ctx: JobContext): Promise<unknown> => {
    const job = payload as ArtifactJob;
    const art = await executions.getArtifact(job.artifactId);
    if (!art || DONE.has(art.status)) return { artifact: job.artifactId, skipped: true };
    const execution = await executions.get(art.executionId);
    const policy = execution ? await o.store.policies.get(execution.policyId) : undefined;
    if (!execution || !policy) throw new PermanentJobError('the policy of this artifact was deleted');
    await executions.updateArtifact(art.id, {
      status: 'running',
      attempts: ctx.job.attempts,
      startedAt: new Date(),
    });
    try {
      const sides = await openSides(o, policy, art.id);
      let patch: ArtifactPatch;
      try {
        if (job.delete && policy.mode !== 'push')
          throw new PermanentJobError('only push policies replicate deletions');
        patch = job.delete
          ? await deleteOne(sides, art)
          : await copyOne(sides, art, execution.dryRun, o.concurrency);
      } finally {
        await sides.close();
      }
      await executions.updateArtifact(art.id, { ...patch, error: null, finishedAt: new Date() });
      await o.store.uploads.clear(art.id);
      return { artifact: art.id, status: patch.status, bytes: patch.bytes };
    } catch (err) {
      const permanent = err instanceof PermanentJobError || refused(err);
      const final = permanent || ctx.job.attempts >= ctx.job.maxAttempts;
      await executions.updateArtifact(art.id, {
        status: final ? 'failed' : 'retrying',
        error: message(err),
        ...(final ? { finishedAt: new Date() } : {}),
      });
      if (final) await o.store.uploads.clear(art.id);
      throw permanent && !(err instanceof PermanentJobError)
        ? new PermanentJobError(message(err), { cause: err })
        : err;
    } finally {
      await executions.finishIfDone(art.executionId);
    }
  };
}
