import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { MetaStore } from '../ports/meta-store.js';
import type { Eventing } from '../services/events/index.js';
import {
  GarbageCollector,
  GC_JOB,
  GcSchedule,
  LifecycleService,
  Scrubber,
} from '../services/lifecycle/index.js';
import type { Registry } from '../services/registry/index.js';

export interface Lifecycle {
  service: LifecycleService;
  /** Keeps the next scheduled collection enqueued (gc.schedule); call after the job workers started. */
  start(): void;
  /** Stops scheduling and ends a run in progress (after its batch); before the metadata store closes. */
  stop(): Promise<void>;
}

/** Garbage collection and scrub: the service, the gc.run job and its daily schedule. */
export function composeLifecycle(o: {
  config: Config;
  blobs: BlobStore;
  meta: MetaStore;
  registry: Registry;
  eventing: Eventing;
  log: Logger;
}): Lifecycle {
  const { config, meta, log } = o;
  const collector = new GarbageCollector({
    store: meta.gc,
    uploads: meta.uploads,
    blobs: o.blobs,
    graceHours: config.gc.graceHours,
    batchSize: config.gc.batchSize,
    uploadTtlMs: config.uploads.ttlSeconds * 1000,
    purgeUploads: (before) => o.registry.uploads.purgeExpired(before),
    log,
  });
  const service = new LifecycleService({
    collector,
    scrubber: new Scrubber({ store: meta.gc, blobs: o.blobs }),
    store: meta.gc,
    // The audit log says who collected what (the API caller, or `system` for the schedule).
    onCollected: async (run) => {
      const { id, trigger, blobsDeleted, bytesFreed, linksRemoved, orphanFiles, uploadsExpired, error } = run;
      await o.eventing.sink
        .emit({
          type: 'GC_RUN',
          outcome: error === null ? 'success' : 'failure',
          detail: {
            run: id,
            trigger,
            blobsDeleted,
            bytesFreed,
            linksRemoved,
            orphanFiles,
            uploadsExpired,
            error,
          },
        })
        .catch((err: unknown) => log.warn({ err, run: id }, 'garbage collection not audited'));
    },
  });
  o.eventing.jobs.register(GC_JOB, async (_payload, { signal }) => {
    // Enqueued while the schedule was on; it has been turned off since.
    if (config.gc.schedule === 'off') return { skipped: "gc.schedule is 'off'" };
    const run = await service.gc({ trigger: 'schedule', signal });
    if (run.error !== null) throw new Error(run.error);
    return run;
  });
  const schedule = new GcSchedule({ jobs: o.eventing.jobs, schedule: config.gc.schedule, log });
  return {
    service,
    start: () => schedule.start(),
    async stop() {
      schedule.stop();
      await service.close();
    },
  };
}
