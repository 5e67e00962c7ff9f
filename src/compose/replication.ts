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

/** The key sealing endpoint credentials: `replication.secretKey`, else `<dataDir>/replication.key` (made once, 0600). */
async function replicationKey(config: Config, dataDir: string): Promise<Buffer> {
  const configured = config.replication.secretKey;
  if (configured === '') {
    return loadOrCreateKey(join(dataDir, 'replication.key'), SecretBox.KEY_BYTES, SecretBox.generateKey);
  }
  const key = Buffer.from(configured, 'base64');
  if (key.length !== SecretBox.KEY_BYTES || key.toString('base64') !== configured.replace(/\s/g, '')) {
    throw new ConfigError(`replication.secretKey must be the base64 of ${SecretBox.KEY_BYTES} bytes`);
  }
  return key;
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
    // Made on first use: a server that never stores credentials never writes a key file.
    sealer: () => {
      sealer ??= replicationKey(config, o.dataDir).then((key) => new SecretBox(key));
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
