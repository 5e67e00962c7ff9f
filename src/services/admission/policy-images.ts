import { createPublicKey } from 'node:crypto';
import { type FieldReader, formatPath, type Path } from './fields.js';
import {
  type Attestation,
  type AttestorEntry,
  type AttestorSet,
  type Condition,
  type ConditionBlock,
  type FailureAction,
  type ImageVerification,
  type KeyEntry,
  OPERATORS,
  type Operator,
} from './policy-types.js';

const DEPRECATED = 'a pre-1.7 Kyverno field; write imageReferences with attestors and attestations';
const PEM_BLOCK = /-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g;

export function failureAction(r: FieldReader, path: Path, v: unknown): FailureAction | undefined {
  const s = r.string(path, v);
  if (s === undefined) return undefined;
  if (s === 'Enforce' || s === 'enforce') return 'Enforce';
  if (s === 'Audit' || s === 'audit') return 'Audit';
  r.fail(path, `expected Enforce or Audit, got "${s}"`);
  return undefined;
}

export function readImageVerification(r: FieldReader, path: Path, v: unknown): ImageVerification | undefined {
  const o = r.object(path, v, {
    known: [
      'type',
      'imageReferences',
      'skipImageReferences',
      'attestors',
      'attestations',
      'mutateDigest',
      'verifyDigest',
      'required',
      'failureAction',
    ],
    ignored: ['useCache'],
    refused: {
      repository: 'signatures in another repository are not supported; Wharf reads them beside the image',
      imageRegistryCredentials: 'registry credentials are not used; Wharf verifies what it stores',
      validate: 'verifyImages.validate (deny checks on image data) is not supported',
      annotations: 'signature annotations are not checked',
      image: DEPRECATED,
      key: DEPRECATED,
      roots: DEPRECATED,
      subject: DEPRECATED,
      issuer: DEPRECATED,
      additionalExtensions: DEPRECATED,
    },
  });
  if (!o) return undefined;
  const type = r.string([...path, 'type'], o.type) ?? 'Cosign';
  if (type !== 'Cosign') {
    r.fail([...path, 'type'], `only Cosign signatures are supported, not ${type}`);
  }
  const action = failureAction(r, [...path, 'failureAction'], o.failureAction);
  return {
    path: formatPath(path),
    imageReferences: r.strings([...path, 'imageReferences'], o.imageReferences, true),
    skipImageReferences: r.strings([...path, 'skipImageReferences'], o.skipImageReferences),
    attestors: r.list([...path, 'attestors'], o.attestors, (p, x) => readAttestorSet(r, p, x)),
    attestations: r.list([...path, 'attestations'], o.attestations, (p, x) => readAttestation(r, p, x)),
    mutateDigest: r.bool([...path, 'mutateDigest'], o.mutateDigest, true),
    verifyDigest: r.bool([...path, 'verifyDigest'], o.verifyDigest, true),
    required: r.bool([...path, 'required'], o.required, true),
    ...(action ? { failureAction: action } : {}),
  };
}

function readAttestorSet(r: FieldReader, path: Path, v: unknown): AttestorSet | undefined {
  const o = r.object(path, v, { known: ['count', 'entries'] });
  if (!o) return undefined;
  const entries = r.list([...path, 'entries'], o.entries, (p, x) => readEntry(r, p, x), true).flat();
  const set: AttestorSet = { path: formatPath(path), entries };
  if (o.count !== undefined && o.count !== null) {
    if (!Number.isInteger(o.count) || (o.count as number) < 0) {
      r.fail([...path, 'count'], 'expected a whole number (0 or unset means all entries)');
    } else if ((o.count as number) > entries.length) {
      r.fail([...path, 'count'], `${o.count} entries must verify but only ${entries.length} are listed`);
    } else if ((o.count as number) > 0) set.count = o.count as number;
  }
  return set;
}

function readEntry(r: FieldReader, path: Path, v: unknown): AttestorEntry[] | undefined {
  const o = r.object(path, v, {
    known: ['keys', 'keyless', 'attestor'],
    refused: {
      certificates: 'certificate attestors are not supported; use keys',
      repository: 'signatures in another repository are not supported',
      annotations: 'signature annotations are not checked',
    },
  });
  if (!o) return undefined;
  const present = ['keys', 'keyless', 'attestor'].filter((k) => o[k] !== undefined);
  if (present.length !== 1) {
    r.fail(
      path,
      `needs exactly one of keys, keyless or attestor${present.length ? ` (has ${present.join(', ')})` : ''}`,
    );
    return undefined;
  }
  if (o.keys !== undefined) return readKeys(r, [...path, 'keys'], o.keys);
  if (o.attestor !== undefined) {
    const set = readAttestorSet(r, [...path, 'attestor'], o.attestor);
    return set ? [{ kind: 'nested', path: formatPath(path), set }] : undefined;
  }
  const k = r.object([...path, 'keyless'], o.keyless, {
    known: [
      'issuer',
      'issuerRegExp',
      'subject',
      'subjectRegExp',
      'roots',
      'additionalExtensions',
      'rekor',
      'ctlog',
    ],
  });
  if (!k) return undefined;
  const entry: AttestorEntry = { kind: 'keyless', path: formatPath([...path, 'keyless']) };
  for (const f of ['issuer', 'issuerRegExp', 'subject', 'subjectRegExp'] as const) {
    const s = r.string([...path, 'keyless', f], k[f]);
    if (s !== undefined) entry[f] = s;
  }
  const rekor = readRekor(r, [...path, 'keyless', 'rekor'], k.rekor);
  if (rekor?.url !== undefined) entry.rekorUrl = rekor.url;
  return [entry];
}

function readKeys(r: FieldReader, path: Path, v: unknown): KeyEntry[] | undefined {
  const o = r.object(path, v, {
    known: ['publicKeys', 'rekor', 'ctlog', 'signatureAlgorithm'],
    refused: {
      secret: 'keys in Kubernetes Secrets need cluster access; put the PEM in publicKeys',
      kms: 'KMS keys need network access; put the PEM in publicKeys',
    },
  });
  if (!o) return undefined;
  const pem = r.string([...path, 'publicKeys'], o.publicKeys, true) ?? '';
  const alg = r.string([...path, 'signatureAlgorithm'], o.signatureAlgorithm);
  if (alg !== undefined && alg !== 'sha256')
    r.fail([...path, 'signatureAlgorithm'], 'only sha256 is supported');
  const rekor = readRekor(r, [...path, 'rekor'], o.rekor);
  if (o.ctlog !== undefined)
    r.object([...path, 'ctlog'], o.ctlog, { known: ['ignoreSCT', 'pubkey', 'tsaCertChain'] });
  const blocks = pem.match(PEM_BLOCK) ?? [];
  if (pem !== '' && blocks.length === 0) {
    r.fail(
      [...path, 'publicKeys'],
      'expected PEM "PUBLIC KEY" blocks (k8s:// and file references are not supported)',
    );
  }
  return blocks.map((publicKey, i) => {
    try {
      createPublicKey(publicKey);
    } catch (err) {
      r.fail([...path, 'publicKeys'], `key ${i + 1} is not a valid public key (${(err as Error).message})`);
    }
    const suffix = blocks.length > 1 ? `[${i}]` : '';
    return { kind: 'key', path: `${formatPath(path)}${suffix}`, publicKey, ...(rekor ? { rekor } : {}) };
  });
}

function readRekor(r: FieldReader, path: Path, v: unknown): KeyEntry['rekor'] {
  if (v === undefined) return undefined;
  const o = r.object(path, v, { known: ['url', 'pubkey', 'ignoreTlog'] });
  if (!o) return undefined;
  const url = r.string([...path, 'url'], o.url);
  const pubkey = r.string([...path, 'pubkey'], o.pubkey);
  return {
    ignoreTlog: r.bool([...path, 'ignoreTlog'], o.ignoreTlog, false),
    ...(url !== undefined ? { url } : {}),
    ...(pubkey !== undefined ? { pubkey } : {}),
  };
}

function readAttestation(r: FieldReader, path: Path, v: unknown): Attestation | undefined {
  const o = r.object(path, v, { known: ['type', 'predicateType', 'name', 'attestors', 'conditions'] });
  if (!o) return undefined;
  const type = r.string([...path, 'type'], o.type) ?? r.string([...path, 'predicateType'], o.predicateType);
  if (!type) r.fail([...path, 'type'], 'required: the predicateType the statements must have');
  const name = r.string([...path, 'name'], o.name);
  return {
    path: formatPath(path),
    ...(name !== undefined ? { name } : {}),
    type: type ?? '',
    attestors: r.list([...path, 'attestors'], o.attestors, (p, x) => readAttestorSet(r, p, x)),
    conditions: r.list([...path, 'conditions'], o.conditions, (p, x) => readBlock(r, p, x)),
  };
}

function readBlock(r: FieldReader, path: Path, v: unknown): ConditionBlock | undefined {
  const o = r.object(path, v, { known: ['any', 'all'] });
  if (!o) return undefined;
  if (o.any === undefined && o.all === undefined) r.fail(path, 'needs any or all');
  const block: ConditionBlock = { path: formatPath(path) };
  if (o.any !== undefined) block.any = r.list([...path, 'any'], o.any, (p, x) => readCondition(r, p, x));
  if (o.all !== undefined) block.all = r.list([...path, 'all'], o.all, (p, x) => readCondition(r, p, x));
  return block;
}

function readCondition(r: FieldReader, path: Path, v: unknown): Condition | undefined {
  const o = r.object(path, v, { known: ['key', 'operator', 'value', 'message'] });
  if (!o) return undefined;
  if (o.key === undefined) r.fail([...path, 'key'], 'required');
  const op = r.string([...path, 'operator'], o.operator, true);
  if (op !== undefined && !(OPERATORS as readonly string[]).includes(op)) {
    const why = op.startsWith('Duration') ? 'Duration operators are not supported' : 'unknown operator';
    r.fail([...path, 'operator'], `${why} "${op}" (supported: ${OPERATORS.join(', ')})`);
    return undefined;
  }
  const message = r.string([...path, 'message'], o.message);
  return {
    path: formatPath(path),
    key: o.key,
    operator: (op ?? 'Equals') as Operator,
    value: o.value,
    ...(message !== undefined ? { message } : {}),
  };
}
