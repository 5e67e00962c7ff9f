import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { loadOrCreateKey } from '../adapters/key-file/index.js';
import type { Config } from '../config/index.js';
import { ConfigError } from '../config/index.js';
import type { MetaStore } from '../ports/meta-store.js';
import type { Eventing } from '../services/events/index.js';
import type { Registry } from '../services/registry/index.js';
import {
  type CredentialSealer,
  createReplication,
  type PushTrigger,
  type Replication,
} from '../services/replication/index.js';
import { SecretBox } from '../services/secrets/index.js';

/**
 * What seals endpoint credentials: `replication.secretKey` when set; else the data dir's one
 * `secret.key` (shared with the proxy caches and robots; each use binds its own context), except on
 * a data dir that already has the `replication.key` of earlier versions, which keeps opening what
 * it sealed.
 */
async function replicationSealer(config: Config, dataDir: string, shared: SecretBox): Promise<SecretBox> {
  const configured = config.replication.secretKey;
  if (configured === '') {
    const legacy = join(dataDir, 'replication.key');
    if (!(await exists(legacy))) return shared;
    return new SecretBox(await loadOrCreateKey(legacy, SecretBox.KEY_BYTES, SecretBox.generateKey));
  }
  const key = Buffer.from(configured, 'base64');
  if (key.length !== SecretBox.KEY_BYTES || key.toString('base64') !== configured.replace(/\s/g, '')) {
    throw new ConfigError(`replication.secretKey must be the base64 of ${SecretBox.KEY_BYTES} bytes`);
  }
  return new SecretBox(key);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * Replication on the real services: the decorated registry (pull-mode writes are pushes with
 * events), the durable jobs queue, labels for the label filter, the catalog for tags of a digest.
 */
export function composeReplication(o: {
  config: Config;
  dataDir: string;
  meta: MetaStore;
  registry: Registry;
  eventing: Eventing;
  trigger: PushTrigger;
  /** The data dir's secret box (`secret.key`). */
  secrets: SecretBox;
  log: Logger;
}): Replication {
  let sealer: Promise<CredentialSealer> | undefined;
  const { config, meta, registry } = o;
  return createReplication({
    store: meta.replication,
    registry,
    jobs: o.eventing.jobs,
    log: o.log,
    trigger: o.trigger,
    // Resolved on first use (a legacy replication.key is only looked for when credentials are sealed).
    sealer: () => {
      sealer ??= replicationSealer(config, o.dataDir, o.secrets);
      return sealer;
    },
    labels: meta.labels,
    subjectOf: async (repository, digest) => (await registry.manifests.get(repository, digest)).subject,
    tagsOf: async (repository, digest) => (await meta.catalog.artifact(repository, digest))?.tags ?? [],
    chunkSize: config.replication.chunkSizeBytes,
    maxAttempts: config.replication.maxAttempts,
    scheduleTickMs: config.replication.scheduleTickSeconds * 1000,
  });
}
