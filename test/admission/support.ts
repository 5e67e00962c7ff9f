import { generateKeyPairSync } from 'node:crypto';
import { stringify } from 'yaml';
import {
  AdmissionEngine,
  type AdmissionRequest,
  type ClusterPolicy,
  parsePolicies,
  requestForResource,
  type StaticImage,
  StaticVerifier,
} from '../../src/services/admission/index.js';

/** Builders for the admission tests: real keys, policies from plain objects, pods and statements. */

export function publicKeyPem(): string {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
    type: 'spki',
    format: 'pem',
  }) as string;
}

export const KEY_A = publicKeyPem();
export const KEY_B = publicKeyPem();
export const KEY_C = publicKeyPem();

export const digest = (c: string) => `sha256:${c.repeat(64)}`;
export const SLSA_V1 = 'https://slsa.dev/provenance/v1';
export const GENERATOR = 'https://github.com/slsa-framework/slsa-github-generator';

/** One key attestor set: `{ count?, entries: [{ keys: { publicKeys } }…] }`. */
export function keySet(pems: string[], count?: number): Record<string, unknown> {
  return {
    ...(count !== undefined ? { count } : {}),
    entries: pems.map((publicKeys) => ({ keys: { publicKeys } })),
  };
}

export interface PolicyOptions {
  name?: string;
  /** The rule's name (default `check`). */
  rule?: string;
  action?: 'Enforce' | 'Audit';
  kinds?: string[];
  annotations?: Record<string, string>;
  match?: Record<string, unknown>;
  exclude?: Record<string, unknown>;
}

export function policyDoc(
  verifyImages: Record<string, unknown>[],
  o: PolicyOptions = {},
): Record<string, unknown> {
  return {
    apiVersion: 'kyverno.io/v1',
    kind: 'ClusterPolicy',
    metadata: { name: o.name ?? 'verify', ...(o.annotations ? { annotations: o.annotations } : {}) },
    spec: {
      validationFailureAction: o.action ?? 'Enforce',
      rules: [
        {
          name: o.rule ?? 'check',
          match: o.match ?? { any: [{ resources: { kinds: o.kinds ?? ['Pod'] } }] },
          ...(o.exclude ? { exclude: o.exclude } : {}),
          verifyImages,
        },
      ],
    },
  };
}

/** The same policy as the YAML file the server is configured with. */
export function policyYaml(vi: Record<string, unknown>[], o: PolicyOptions = {}): string {
  return stringify(policyDoc(vi, o));
}

/** A verifyImages entry trusting one public key (PEM) for `images`, with extra fields (attestations). */
export function keyVerification(
  images: string,
  publicKey: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    imageReferences: [images],
    attestors: [{ entries: [{ keys: { publicKeys: publicKey.trim() } }] }],
    ...extra,
  };
}

/** A ClusterPolicy with one rule whose verifyImages is `vi`, through the real parser. */
export function policy(
  vi: Record<string, unknown> | Record<string, unknown>[],
  o: PolicyOptions = {},
): ClusterPolicy {
  const [p] = parsePolicies(stringify(policyDoc(Array.isArray(vi) ? vi : [vi], o)), 'test-policy');
  if (!p) throw new Error('no policy');
  return p;
}

export function podSpec(images: string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { containers: images.map((image, i) => ({ name: `c${i}`, image })), ...extra };
}

export function pod(images: string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'shop' },
    spec: podSpec(images, extra),
  };
}

export function deployment(images: string[]): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop' },
    spec: { template: { metadata: { labels: { app: 'web' } }, spec: podSpec(images) } },
  };
}

export function statement(
  predicateType: string,
  predicate: unknown,
  d = digest('a'),
): Record<string, unknown> {
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'registry.internal/app', digest: { sha256: d.slice(7) } }],
    predicateType,
    predicate,
  };
}

export function provenanceV1(
  buildType: string,
  builderId = `${GENERATOR}/.github/workflows/generator_container_slsa3.yml`,
) {
  return {
    buildDefinition: { buildType, externalParameters: { source: 'git+https://github.com/myorg/app' } },
    runDetails: { builder: { id: builderId } },
  };
}

export function engine(policies: ClusterPolicy[], images: Record<string, StaticImage>): AdmissionEngine {
  return new AdmissionEngine({ policies, verifier: new StaticVerifier(images, 'the test data') });
}

export function create(resource: Record<string, unknown>): AdmissionRequest {
  return requestForResource(resource, 'uid-1');
}

/** An AdmissionReview v1 of `object` (a Deployment), as the API server sends it on CREATE. */
export function deploymentReview(
  object: Record<string, unknown>,
  uid = 'b4d3c2a1-0000-4000-8000-000000000001',
) {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
      resource: { group: 'apps', version: 'v1', resource: 'deployments' },
      name: 'web',
      namespace: 'shop',
      operation: 'CREATE',
      userInfo: { username: 'system:serviceaccount:ci:deployer' },
      object,
      oldObject: null,
      dryRun: false,
    },
  };
}
