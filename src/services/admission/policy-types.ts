/**
 * The typed form of the supported `ClusterPolicy` subset (see README.md). Every element keeps the
 * path it was read from (`spec.rules[0].verifyImages[0]…`), so explanations and diagnoses name it.
 */

import type { ConditionBlock } from '../../supplychain/conditions/types.js';

export type FailureAction = 'Enforce' | 'Audit';
export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export {
  type Condition,
  type ConditionBlock,
  OPERATORS,
  type Operator,
} from '../../supplychain/conditions/types.js';

export interface ClusterPolicy {
  name: string;
  /** `spec.validationFailureAction`, normalised: anything but Enforce is Audit (Kyverno's default). */
  validationFailureAction: FailureAction;
  /** From `pod-policies.kyverno.io/autogen-controllers`: the controller kinds Pod rules extend to. */
  autogenControllers: readonly string[];
  rules: Rule[];
}

export interface Rule {
  name: string;
  path: string;
  match: MatchBlock;
  exclude?: MatchBlock;
  verifyImages: ImageVerification[];
}

export interface MatchBlock {
  any?: ResourceFilter[];
  all?: ResourceFilter[];
}

export interface ResourceFilter {
  path: string;
  kinds: string[];
  namespaces?: string[];
  names?: string[];
  operations?: Operation[];
}

export interface ImageVerification {
  path: string;
  imageReferences: string[];
  skipImageReferences: string[];
  attestors: AttestorSet[];
  attestations: Attestation[];
  mutateDigest: boolean;
  verifyDigest: boolean;
  required: boolean;
  /** The entry's own `failureAction`, overriding the policy's. */
  failureAction?: FailureAction;
}

export interface AttestorSet {
  path: string;
  /** Entries that must verify; unset (or 0) means all of them. */
  count?: number;
  entries: AttestorEntry[];
}

export type AttestorEntry = KeyEntry | KeylessEntry | NestedEntry;

export interface KeyEntry {
  kind: 'key';
  path: string;
  /** One PEM `PUBLIC KEY` block (a `publicKeys` with several blocks becomes several entries). */
  publicKey: string;
  rekor?: { url?: string; pubkey?: string; ignoreTlog: boolean };
}

/** Parsed so that a policy reads as written; always refused at evaluation (needs Sigstore online). */
export interface KeylessEntry {
  kind: 'keyless';
  path: string;
  issuer?: string;
  issuerRegExp?: string;
  subject?: string;
  subjectRegExp?: string;
  rekorUrl?: string;
}

export interface NestedEntry {
  kind: 'nested';
  path: string;
  set: AttestorSet;
}

export interface Attestation {
  path: string;
  name?: string;
  /** `type`, or the deprecated `predicateType`: compared literally with each statement's predicateType. */
  type: string;
  /** The attestation's own attestors; empty means the entry's attestors (see README). */
  attestors: AttestorSet[];
  conditions: ConditionBlock[];
}
