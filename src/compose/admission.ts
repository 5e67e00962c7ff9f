import { readFile } from 'node:fs/promises';
import type { FastifyPluginAsync } from 'fastify';
import type { Config } from '../config/index.js';
import { ConfigError } from '../config/index.js';
import { admissionRoutes } from '../http/admission/index.js';
import {
  AdmissionEngine,
  type ClusterPolicy,
  type ImageVerifier,
  parsePolicies,
} from '../services/admission/index.js';
import type { Eventing } from '../services/events/index.js';
import type { Registry } from '../services/registry/index.js';
import { localImageVerifier, type SupplyChain } from '../services/supplychain/index.js';

/** The hosts that mean this registry in an image reference. */
function registryHosts(config: Config): string[] {
  const port = config.listen.slice(config.listen.lastIndexOf(':') + 1);
  const hosts = [...config.admission.registryHosts, `localhost:${port}`, `127.0.0.1:${port}`];
  if (config.externalUrl) hosts.push(new URL(config.externalUrl).host);
  return hosts;
}

async function loadPolicies(files: readonly string[]): Promise<ClusterPolicy[]> {
  const policies: ClusterPolicy[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`admission.policies: cannot read ${file}: ${(err as Error).message}`);
    }
    try {
      policies.push(...parsePolicies(text, file));
    } catch (err) {
      throw new ConfigError(`admission.policies: ${(err as Error).message}`);
    }
  }
  return policies;
}

/**
 * `/admission/v1/validate` and `/mutate` over the configured Kyverno policies, verifying images this
 * registry stores from its own storage; every decision that applied a rule is a POLICY_DECISION event.
 * Undefined when no policy is configured.
 */
export async function composeAdmission(o: {
  config: Config;
  registry: Registry;
  supplyChain: SupplyChain;
  eventing: Eventing;
  /** Wraps the local verifier (promotion: revoked digests are refused). */
  verifier?: (v: ImageVerifier) => ImageVerifier;
}): Promise<FastifyPluginAsync | undefined> {
  if (o.config.admission.policies.length === 0) return undefined;
  const policies = await loadPolicies(o.config.admission.policies);
  const local = localImageVerifier({
    registry: o.registry,
    checker: o.supplyChain.checker,
    hosts: registryHosts(o.config),
  });
  const verifier = o.verifier ? o.verifier(local) : local;
  const engine = new AdmissionEngine({ policies, verifier });
  return admissionRoutes({
    engine,
    onDecision: (d) =>
      o.eventing.policyDecision({
        policy: 'admission',
        action: `${d.phase} ${d.operation} ${d.kind}`,
        reason: d.message,
        decision: !d.allowed ? 'deny' : d.warnings.length > 0 ? 'warn' : 'allow',
        detail: {
          resource: `${d.namespace}/${d.name}`,
          user: d.user ?? null,
          dryRun: d.dryRun,
          denials: d.denials,
          warnings: d.warnings,
          patches: d.patches.length,
          diagnostics: d.diagnostics.map((x) => x.message),
        },
      }),
  });
}
