import { SupplyChainError } from './errors.js';
import { isObject, type JsonObject, parseJson } from './json.js';

export const STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
export const STATEMENT_V01 = 'https://in-toto.io/Statement/v0.1';

/** An in-toto ResourceDescriptor as a Statement subject (only spec fields). */
export interface Subject {
  name?: string;
  uri?: string;
  digest: Record<string, string>;
  annotations?: JsonObject;
}

export interface Statement {
  _type: typeof STATEMENT_V1 | typeof STATEMENT_V01;
  subject: Subject[];
  predicateType: string;
  predicate?: JsonObject;
}

export interface StatementInput {
  subjects: readonly { name?: string; digest: { sha256: string }; annotations?: JsonObject }[];
  predicateType: string;
  predicate: JsonObject;
}

function invalid(message: string): SupplyChainError {
  return new SupplyChainError('STATEMENT_INVALID', message);
}

const HEX_RE = /^[a-f0-9]+$/;

function isUri(value: string): boolean {
  return URL.canParse(value);
}

/**
 * A Statement v1 with exactly the spec's fields (sigstore-go parses it with protojson, which
 * rejects unknown ones). The subject digest is bare hex, as in-toto wants.
 */
export function makeStatement(input: StatementInput): Statement {
  if (input.subjects.length === 0) throw invalid('a statement needs at least one subject');
  if (!isUri(input.predicateType)) throw invalid(`predicateType is not a URI: ${input.predicateType}`);
  const subject = input.subjects.map((s): Subject => {
    if (!HEX_RE.test(s.digest.sha256) || s.digest.sha256.length !== 64)
      throw invalid(`subject digest is not sha256 hex: ${s.digest.sha256.slice(0, 80)}`);
    return {
      ...(s.name === undefined ? {} : { name: s.name }),
      digest: { sha256: s.digest.sha256 },
      ...(s.annotations === undefined ? {} : { annotations: s.annotations }),
    };
  });
  return { _type: STATEMENT_V1, subject, predicateType: input.predicateType, predicate: input.predicate };
}

function readSubject(v: unknown, i: number): Subject {
  if (!isObject(v) || !isObject(v.digest)) throw invalid(`subject ${i} has no digest`);
  const digest: Record<string, string> = {};
  for (const [alg, hex] of Object.entries(v.digest)) {
    if (typeof hex !== 'string') throw invalid(`subject ${i} digest ${alg} is not a string`);
    digest[alg] = hex;
  }
  return {
    ...(typeof v.name === 'string' ? { name: v.name } : {}),
    ...(typeof v.uri === 'string' ? { uri: v.uri } : {}),
    digest,
    ...(isObject(v.annotations) ? { annotations: v.annotations } : {}),
  };
}

/** Parses a Statement v1 or v0.1 (what cosign `attest` still writes); unknown fields are ignored. */
export function parseStatement(bytes: Uint8Array): Statement {
  const parsed = parseJson(bytes);
  if (!parsed.ok) throw invalid(`statement is not JSON: ${parsed.message}`);
  const doc = parsed.value;
  if (!isObject(doc)) throw invalid('statement is not a JSON object');
  if (doc._type !== STATEMENT_V1 && doc._type !== STATEMENT_V01)
    throw invalid(`unknown statement _type: ${JSON.stringify(doc._type)}`);
  if (!Array.isArray(doc.subject) || doc.subject.length === 0) throw invalid('statement has no subject');
  if (typeof doc.predicateType !== 'string' || doc.predicateType === '')
    throw invalid('statement has no predicateType');
  if (doc.predicate !== undefined && doc.predicate !== null && !isObject(doc.predicate))
    throw invalid('statement predicate is not an object');
  return {
    _type: doc._type,
    subject: doc.subject.map(readSubject),
    predicateType: doc.predicateType,
    ...(isObject(doc.predicate) ? { predicate: doc.predicate } : {}),
  };
}

/** cosign's `--type` short names (cmd/cosign/cli/options/predicate.go). */
export const PREDICATE_TYPES = {
  custom: 'https://cosign.sigstore.dev/attestation/v1',
  slsaprovenance: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance02: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance1: 'https://slsa.dev/provenance/v1',
  spdx: 'https://spdx.dev/Document',
  spdxjson: 'https://spdx.dev/Document',
  cyclonedx: 'https://cyclonedx.org/bom',
  link: 'https://in-toto.io/Link/v1',
  vuln: 'https://cosign.sigstore.dev/attestation/vuln/v1',
} as const satisfies Record<string, string>;

/** A cosign short name's predicateType, or a URI as is; anything else is STATEMENT_INVALID. */
export function predicateTypeFor(typeOrUri: string): string {
  if (Object.hasOwn(PREDICATE_TYPES, typeOrUri))
    return PREDICATE_TYPES[typeOrUri as keyof typeof PREDICATE_TYPES];
  if (!isUri(typeOrUri)) throw invalid(`not a predicate type short name or URI: ${typeOrUri.slice(0, 100)}`);
  return typeOrUri;
}
