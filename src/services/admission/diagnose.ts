import { compile } from '@jmespath-community/jmespath';
import { variablesIn } from '../../supplychain/conditions/conditions.js';
import { isObject } from './fields.js';
import type { Attestation, AttestorSet, ClusterPolicy, ImageVerification } from './policy-types.js';

/** A static finding on a policy; `error`s are checks that can never pass as written. */
export interface Diagnostic {
  severity: 'error' | 'warning' | 'info';
  policy: string;
  path: string;
  message: string;
}

export const KEYLESS_REFUSAL = 'keyless verification needs network access to Sigstore; configure keys';
export const SLSA_V1 = 'https://slsa.dev/provenance/v1';
export const SLSA_V02 = 'https://slsa.dev/provenance/v0.2';

/** cosign's `--type` short names and the predicateType URIs it writes for them. */
export const COSIGN_SHORT_NAMES: Readonly<Record<string, string>> = {
  slsaprovenance: SLSA_V02,
  slsaprovenance02: SLSA_V02,
  slsaprovenance1: SLSA_V1,
  link: 'https://in-toto.io/Link/v1',
  spdx: 'https://spdx.dev/Document',
  spdxjson: 'https://spdx.dev/Document',
  cyclonedx: 'https://cyclonedx.org/bom',
  vuln: 'https://cosign.sigstore.dev/attestation/vuln/v1',
  openvex: 'https://openvex.dev/ns',
  custom: 'https://cosign.sigstore.dev/attestation/v1',
};

const V02_TYPES = new Set([
  'slsaprovenance',
  'slsaprovenance02',
  SLSA_V02,
  'https://slsa.dev/provenance/v0.1',
]);
const V1_TYPES = new Set(['slsaprovenance1', SLSA_V1]);
const V1_ONLY = new Set(['buildDefinition', 'runDetails']);
/** SLSA v0.2 top-level fields and where SLSA v1 moved them. */
const V02_TO_V1: Readonly<Record<string, string>> = {
  buildType: 'buildDefinition.buildType',
  builder: 'runDetails.builder',
  invocation: 'buildDefinition.externalParameters',
  buildConfig: 'buildDefinition.externalParameters',
  materials: 'buildDefinition.resolvedDependencies',
  metadata: 'runDetails.metadata',
};

const RELATIVE_RIGHT = new Set([
  'Subexpression',
  'IndexExpression',
  'Projection',
  'ValueProjection',
  'FilterProjection',
  'Pipe',
]);

function chain(n: Record<string, unknown>): string | undefined {
  if (n.type === 'Field') return n.name as string;
  if (n.type !== 'Subexpression' || !isObject(n.left) || !isObject(n.right)) return undefined;
  if (n.left.type === 'Current') return chain(n.right);
  const left = chain(n.left);
  return left !== undefined && n.right.type === 'Field' ? `${left}.${n.right.name as string}` : undefined;
}

/** The dotted field paths an expression reads from the root of its input. */
export function rootPaths(n: unknown): string[] {
  if (!isObject(n)) return [];
  const c = chain(n);
  if (c !== undefined) return [c];
  const out: string[] = [];
  if (n.left) out.push(...rootPaths(n.left));
  if (n.right && !RELATIVE_RIGHT.has(n.type as string)) out.push(...rootPaths(n.right));
  if (n.child) out.push(...rootPaths(n.child));
  if (Array.isArray(n.children)) {
    for (const ch of n.children)
      out.push(...rootPaths(isObject(ch) && ch.type === 'KeyValuePair' ? ch.value : ch));
  }
  return out;
}

/** Why `{{ path }}` can never match under `type`, or undefined when it can. */
function layoutTrap(type: string, path: string): string | undefined {
  const top = path.split('.')[0] as string;
  if (V02_TYPES.has(type) && V1_ONLY.has(top)) {
    return (
      `{{ ${path} }} can never match under type ${type} (SLSA Provenance v0.2 in cosign and Kyverno): ` +
      'v0.2 predicates have builder, buildType, invocation and materials at the top level, and ' +
      `buildDefinition and runDetails exist only in SLSA v1. Fix: write \`type: ${SLSA_V1}\` ` +
      '(and attest with `cosign attest --type slsaprovenance1`)'
    );
  }
  const moved = V02_TO_V1[top];
  if (V1_TYPES.has(type) && moved !== undefined) {
    return (
      `{{ ${path} }} can never match under type ${type}: that is a SLSA v0.2 field, which v1 moved to ` +
      `${moved}. Fix: write {{ ${moved}${path.slice(top.length)} }}, or \`type: ${SLSA_V02}\` for v0.2 provenance`
    );
  }
  return undefined;
}

function conditionFindings(policy: string, a: Attestation): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const c of a.conditions.flatMap((b) => [...(b.any ?? []), ...(b.all ?? [])])) {
    for (const expr of [...variablesIn(c.key), ...variablesIn(c.value)]) {
      let paths: string[];
      try {
        paths = rootPaths(compile(expr));
      } catch (err) {
        const message = `{{ ${expr} }} is not valid JMESPath: ${(err as Error).message}`;
        out.push({ severity: 'error', policy, path: c.path, message });
        continue;
      }
      for (const p of paths) {
        const message = layoutTrap(a.type, p);
        if (message) out.push({ severity: 'error', policy, path: c.path, message });
      }
    }
  }
  return out;
}

function diagnoseAttestation(policy: string, a: Attestation): Diagnostic[] {
  const out = conditionFindings(policy, a);
  const uri = COSIGN_SHORT_NAMES[a.type];
  if (uri !== undefined) {
    // The short name of v0.2 with v1 conditions: the URI to write is v1's, not the short name's.
    const trapped = out.some((d) => d.message.includes('can never match'));
    const fix = trapped && V02_TYPES.has(a.type) ? SLSA_V1 : uri;
    out.push({
      severity: 'error',
      policy,
      path: `${a.path}.type`,
      message:
        `type "${a.type}" is cosign's short name for ${uri}; Kyverno compares type literally with each ` +
        `statement's predicateType, which is always a URI, so no statement is ever selected. Fix: write \`type: ${fix}\``,
    });
  }
  return out;
}

function keylessIn(sets: readonly AttestorSet[]): string[] {
  return sets.flatMap((s) =>
    s.entries.flatMap((e) =>
      e.kind === 'keyless' ? [e.path] : e.kind === 'nested' ? keylessIn([e.set]) : [],
    ),
  );
}

function diagnoseEntry(policy: string, vi: ImageVerification): Diagnostic[] {
  const out: Diagnostic[] = [];
  const sets = [...vi.attestors, ...vi.attestations.flatMap((a) => a.attestors)];
  for (const path of keylessIn(sets)) {
    out.push({ severity: 'error', policy, path, message: `refused at evaluation: ${KEYLESS_REFUSAL}` });
  }
  for (const a of vi.attestations) {
    if (a.attestors.length === 0 && vi.attestors.length === 0) {
      out.push({
        severity: 'error',
        policy,
        path: a.path,
        message: `an attestation without attestors is verified keyless by Kyverno; ${KEYLESS_REFUSAL}`,
      });
    } else if (a.attestors.length === 0) {
      out.push({
        severity: 'info',
        policy,
        path: a.path,
        message:
          "an attestation without attestors is checked with the entry's attestors here " +
          '(Kyverno verifies it keyless, without identity constraints)',
      });
    }
    out.push(...diagnoseAttestation(policy, a));
  }
  for (const set of sets) {
    for (const e of set.entries) {
      if (e.kind === 'key' && e.rekor?.url !== undefined && !e.rekor.ignoreTlog) {
        out.push({
          severity: 'info',
          policy,
          path: e.path,
          message: `the transparency log (${e.rekor.url}) is not consulted offline; signatures are checked against the key`,
        });
      }
    }
  }
  if (vi.verifyDigest && !vi.mutateDigest) {
    out.push({
      severity: 'warning',
      policy,
      path: vi.path,
      message:
        'images given by tag are denied at validation (verifyDigest) and never pinned (mutateDigest: false)',
    });
  }
  return out;
}

/** Static checks that explain why a policy can never pass as written, and how to fix it. */
export function diagnose(policy: ClusterPolicy): Diagnostic[] {
  return policy.rules.flatMap((r) => r.verifyImages.flatMap((vi) => diagnoseEntry(policy.name, vi)));
}
