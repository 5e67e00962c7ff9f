import { splitDigest } from './digest.js';
import { SupplyChainError } from './errors.js';
import { goMapJson, isObject, parseJson } from './json.js';

/** `critical.type` of every cosign signature payload. */
export const COSIGN_SIGNATURE_TYPE = 'cosign container image signature';

export interface SimpleSigningInput {
  /** The repository, without tag (cosign's default `docker-reference`). */
  dockerReference: string;
  digest: string;
  /** cosign's `-a key=value` annotations; none gives `"optional":null`, as cosign writes. */
  annotations?: Readonly<Record<string, unknown>>;
}

export interface SimpleSigning {
  dockerReference: string;
  digest: string;
  type: string;
  annotations: Record<string, unknown> | null;
}

function invalid(message: string): SupplyChainError {
  return new SupplyChainError('PAYLOAD_INVALID', message);
}

/**
 * The simple-signing payload, byte-identical to what cosign signs (sigstore `payload.go` marshalled
 * by Go: struct fields in declaration order, annotation keys sorted, HTML characters escaped).
 */
export function simpleSigningPayload(input: SimpleSigningInput): Buffer {
  if (!splitDigest(input.digest)) throw invalid(`not a manifest digest: ${input.digest.slice(0, 100)}`);
  if (input.dockerReference === '' || /[\s@]/.test(input.dockerReference))
    throw invalid(`not a repository name: ${input.dockerReference.slice(0, 100)}`);
  const annotations = input.annotations;
  const optional = annotations && Object.keys(annotations).length > 0 ? goMapJson(annotations) : 'null';
  const critical = goMapJson({
    identity: { 'docker-reference': input.dockerReference },
    image: { 'docker-manifest-digest': input.digest },
    type: COSIGN_SIGNATURE_TYPE,
  });
  return Buffer.from(`{"critical":${critical},"optional":${optional}}`, 'utf8');
}

function stringAt(obj: unknown, key: string, where: string): string {
  const v = isObject(obj) ? obj[key] : undefined;
  if (typeof v !== 'string') throw invalid(`payload has no string ${where}`);
  return v;
}

/** Reads a simple-signing payload (any field order). Throws PAYLOAD_INVALID on a bad shape. */
export function parseSimpleSigning(bytes: Uint8Array): SimpleSigning {
  const parsed = parseJson(bytes);
  if (!parsed.ok) throw invalid(`payload is not JSON: ${parsed.message}`);
  const doc = parsed.value;
  if (!isObject(doc) || !isObject(doc.critical)) throw invalid('payload has no critical section');
  const { critical, optional } = doc;
  if (optional !== undefined && optional !== null && !isObject(optional))
    throw invalid('payload optional section is not an object');
  return {
    dockerReference: stringAt(critical.identity, 'docker-reference', 'critical.identity.docker-reference'),
    digest: stringAt(critical.image, 'docker-manifest-digest', 'critical.image.docker-manifest-digest'),
    type: stringAt(critical, 'type', 'critical.type'),
    annotations: isObject(optional) ? optional : null,
  };
}
