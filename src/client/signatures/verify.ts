import type { KeyObject } from 'node:crypto';
import type { Digest } from '../../oci/digest.js';
import { digestHex } from '../../oci/digest.js';
import {
  type Statement,
  verifyAttestation,
  verifyBundle,
  verifySimpleSigning,
} from '../../supplychain/index.js';
import type { Descriptor } from '../manifest.js';
import {
  BUNDLE_MEDIA_PREFIX,
  DSSE_MEDIA_TYPE,
  SIGNATURE_ANNOTATION,
  SIMPLE_SIGNING_MEDIA_TYPE,
} from './layout.js';
import { checkPolicy, type Policy } from './policy.js';
import type { Attached, SignatureStore } from './store.js';

type Verdict<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Where a checked artifact lives: a referrer manifest, or a layer of a cosign tag. */
export interface ArtifactRef {
  source: 'referrer' | 'tag';
  /** The referrer manifest's digest, or the layer's. */
  digest: string;
  tag?: string;
}

export interface VerifyReport {
  digest: string;
  /** What was verified: bundle referrers (cosign v3's choice when any exist), else the cosign tag. */
  checked: 'bundles' | 'sig' | 'att';
  verified: (ArtifactRef & { payload: unknown })[];
  failures: (ArtifactRef & { reason: string })[];
  /** Attestations of another predicateType (verify-attestation only); not failures. */
  skipped: (ArtifactRef & { predicateType: string })[];
  /** Why the referrers could not be listed, when they could not (the tag was used instead). */
  referrersError?: string;
  ok: boolean;
}

interface Candidate<T> {
  where: ArtifactRef;
  check(): Promise<Verdict<T>>;
}

export interface VerifyImageOptions {
  store: SignatureStore;
  digest: Digest;
  publicKeys: KeyObject[];
}

/** cosign v3's selection: referrers with exactly one layer whose media type is a Sigstore bundle. */
async function bundleReferrers(
  store: SignatureStore,
  digest: Digest,
): Promise<{ found: Attached[]; error?: string }> {
  try {
    const all = await store.referrers(digest);
    const found = all.filter(
      (a) => a.layers.length === 1 && a.layers[0]?.mediaType.startsWith(BUNDLE_MEDIA_PREFIX),
    );
    return { found };
  } catch (err) {
    return { found: [], error: err instanceof Error ? err.message : String(err) };
  }
}

function bundleCandidates(o: VerifyImageOptions, found: Attached[]): Candidate<Statement>[] {
  return found.map((a) => ({
    where: { source: 'referrer', digest: a.digest },
    check: async () =>
      verifyBundle({
        bundle: await o.store.blob(a.layers[0] as Descriptor),
        digest: o.digest,
        publicKeys: o.publicKeys,
      }),
  }));
}

function layerRef(a: Attached, layer: Descriptor): ArtifactRef {
  return { source: 'tag', digest: layer.digest, ...(a.tag ? { tag: a.tag } : {}) };
}

async function tagLayers(
  o: VerifyImageOptions,
  suffix: 'sig' | 'att',
): Promise<{ a: Attached; layer: Descriptor }[]> {
  const [a] = await o.store.tagged(o.digest, [suffix]);
  return a ? a.layers.map((layer) => ({ a, layer })) : [];
}

async function run<T>(cands: Candidate<T>[], accept: (v: T) => string | undefined) {
  const verified: { where: ArtifactRef; value: T }[] = [];
  const failures: VerifyReport['failures'] = [];
  for (const c of cands) {
    const v = await c
      .check()
      .catch((err: unknown): Verdict<T> => ({ ok: false, reason: String((err as Error).message ?? err) }));
    const reason = v.ok ? accept(v.value) : v.reason;
    if (reason === undefined && v.ok) verified.push({ where: c.where, value: v.value });
    else failures.push({ ...c.where, reason: reason ?? 'rejected' });
  }
  return { verified, failures };
}

/** Required `-a` annotations ⊆ what the signature carries. */
function annotationsCovered(required: Record<string, string>, have: unknown): string | undefined {
  const got = (typeof have === 'object' && have !== null ? have : {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(required)) {
    if (got[k] !== v)
      return `annotation ${k}=${v} is not in the signature (found ${JSON.stringify(got[k] ?? null)})`;
  }
  return undefined;
}

function subjectAnnotations(s: Statement, digest: Digest): unknown {
  return s.subject.find((x) => x.digest.sha256 === digestHex(digest))?.annotations;
}

/**
 * `cosign verify`: if any bundle referrer exists only bundles are verified (any predicateType);
 * else the layers of `sha256-<hex>.sig`. ok when at least one verifies.
 */
export async function verifySignatures(
  o: VerifyImageOptions & { annotations?: Record<string, string> },
): Promise<VerifyReport> {
  const required = o.annotations ?? {};
  const bundles = await bundleReferrers(o.store, o.digest);
  const base = { digest: o.digest, skipped: [], ...(bundles.error ? { referrersError: bundles.error } : {}) };
  if (bundles.found.length > 0) {
    const r = await run(bundleCandidates(o, bundles.found), (s) =>
      annotationsCovered(required, subjectAnnotations(s, o.digest)),
    );
    return finish({ ...base, checked: 'bundles', failures: r.failures }, r.verified);
  }
  const cands = (await tagLayers(o, 'sig')).map(
    ({ a, layer }): Candidate<unknown> => ({
      where: layerRef(a, layer),
      check: async () => {
        if (layer.mediaType !== SIMPLE_SIGNING_MEDIA_TYPE)
          return { ok: false, reason: `layer is ${layer.mediaType}, not a simple-signing payload` };
        const payload = await o.store.blob(layer);
        const signature = layer.annotations?.[SIGNATURE_ANNOTATION] ?? '';
        const v = verifySimpleSigning({
          payload,
          signature,
          digest: o.digest,
          publicKeys: o.publicKeys,
          annotations: required,
        });
        return v.ok ? { ok: true, value: JSON.parse(payload.toString('utf8')) as unknown } : v;
      },
    }),
  );
  const r = await run(cands, () => undefined);
  return finish({ ...base, checked: 'sig', failures: r.failures }, r.verified);
}

function finish(
  partial: Omit<VerifyReport, 'verified' | 'ok'>,
  verified: { where: ArtifactRef; value: unknown }[],
): VerifyReport {
  const list = verified.map((v) => ({ ...v.where, payload: v.value }));
  return {
    ...partial,
    verified: list,
    ok: list.length > 0 && partial.failures.every((f) => !f.reason.startsWith('policy: ')),
  };
}

/**
 * `cosign verify-attestation`: bundles when any exist, else the `.att` layers; only statements of
 * `predicateType` count, and each of those must satisfy `policy`.
 */
export async function verifyAttestations(
  o: VerifyImageOptions & { predicateType?: string; policy?: Policy },
): Promise<VerifyReport> {
  const bundles = await bundleReferrers(o.store, o.digest);
  const cands: Candidate<Statement>[] =
    bundles.found.length > 0
      ? bundleCandidates(o, bundles.found)
      : (await tagLayers(o, 'att')).map(({ a, layer }) => ({
          where: layerRef(a, layer),
          check: async () => {
            if (layer.mediaType !== DSSE_MEDIA_TYPE)
              return { ok: false, reason: `layer is ${layer.mediaType}, not a DSSE envelope` };
            return verifyAttestation({
              envelope: await o.store.blob(layer),
              digest: o.digest,
              publicKeys: o.publicKeys,
            });
          },
        }));
  const skipped: VerifyReport['skipped'] = [];
  const r = await run(cands, () => undefined);
  const verified: { where: ArtifactRef; value: Statement }[] = [];
  for (const v of r.verified) {
    if (o.predicateType !== undefined && v.value.predicateType !== o.predicateType) {
      skipped.push({ ...v.where, predicateType: v.value.predicateType });
      continue;
    }
    const reason = o.policy ? checkPolicy(o.policy, v.value.predicate ?? {}) : undefined;
    if (reason) r.failures.push({ ...v.where, reason: `policy: ${reason}` });
    else verified.push(v);
  }
  return finish(
    {
      digest: o.digest,
      checked: bundles.found.length > 0 ? 'bundles' : 'att',
      failures: r.failures,
      skipped,
      ...(bundles.error ? { referrersError: bundles.error } : {}),
    },
    verified,
  );
}
