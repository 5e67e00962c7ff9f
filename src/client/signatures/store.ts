import type { Digest } from '../../oci/digest.js';
import { RegistryClientError } from '../errors.js';
import { type Descriptor, readManifest } from '../manifest.js';
import type { RegistryClient } from '../registry-client.js';
import { readBlob } from './blobs.js';
import { type ArtifactKind, type CosignSuffix, referrerKind, suffixKind } from './layout.js';
import {
  type AppendOptions,
  type AppendResult,
  appendLayer,
  type NewLayer,
  readTagManifest,
} from './legacy.js';
import { type NewReferrer, putReferrer, type ReferrerResult } from './referrer.js';

/** Something attached to an image, found through the referrers API or a cosign tag. */
export interface Attached {
  kind: ArtifactKind;
  source: 'referrer' | 'tag';
  /** The digest of the referrer manifest, or of the `.sig`/`.att`/`.sbom` manifest. */
  digest: Digest;
  mediaType: string;
  artifactType: string | undefined;
  /** The cosign tag, for `source: 'tag'`. */
  tag?: string;
  annotations: Record<string, string>;
  layers: Descriptor[];
}

const SUFFIXES: readonly CosignSuffix[] = ['sig', 'att', 'sbom'];

/**
 * Reads and writes cosign artifacts of the images of one repository, both ways clients look:
 * OCI 1.1 referrers and the legacy `sha256-<hex>.sig|.att|.sbom` tags.
 */
export class SignatureStore {
  constructor(
    readonly client: RegistryClient,
    readonly repo: string,
  ) {}

  /** The descriptor of a tag or digest (a HEAD; a GET when the HEAD names no digest). */
  async resolve(ref: string): Promise<Descriptor> {
    const head = await this.client.headManifest(this.repo, ref);
    if (!head) {
      throw new RegistryClientError(`${this.repo}:${ref}: manifest unknown`, {
        status: 404,
        code: 'MANIFEST_UNKNOWN',
      });
    }
    if (head.digest && head.mediaType && head.size !== undefined) {
      return { mediaType: head.mediaType, digest: head.digest, size: head.size };
    }
    const m = await this.client.getManifest(this.repo, ref);
    return { mediaType: m.mediaType, digest: m.digest, size: m.bytes.length };
  }

  /** Appends a layer to the subject's `.sig`, `.att` or `.sbom` manifest. */
  appendLegacy(
    subject: Digest,
    suffix: CosignSuffix,
    layer: NewLayer,
    opts: AppendOptions = {},
  ): Promise<AppendResult> {
    return appendLayer(this.client, this.repo, subject, suffix, layer, opts);
  }

  /** Pushes an OCI 1.1 referrer (and the fallback tag where the registry needs one). */
  putReferrer(r: NewReferrer): Promise<ReferrerResult> {
    return putReferrer(this.client, this.repo, r);
  }

  /** Referrers (API, else the fallback tag), each manifest read for its layers. */
  async referrers(subject: Digest): Promise<Attached[]> {
    const out: Attached[] = [];
    for (const d of await this.client.referrers(this.repo, subject)) {
      const m = await this.client.getManifest(this.repo, d.digest);
      const info = readManifest(m.bytes, m.mediaType);
      const artifactType = info.artifactType ?? d.artifactType ?? info.config?.mediaType;
      const annotations = info.annotations ?? d.annotations ?? {};
      out.push({
        kind: referrerKind(artifactType, annotations),
        source: 'referrer',
        digest: m.digest,
        mediaType: info.mediaType,
        artifactType,
        annotations,
        layers: info.layers,
      });
    }
    return out;
  }

  /** The cosign tags that exist for the subject. */
  async tagged(subject: Digest, suffixes: readonly CosignSuffix[] = SUFFIXES): Promise<Attached[]> {
    const out: Attached[] = [];
    for (const suffix of suffixes) {
      const m = await readTagManifest(this.client, this.repo, subject, suffix);
      if (!m) continue;
      out.push({
        kind: suffixKind(suffix),
        source: 'tag',
        digest: m.digest,
        mediaType: m.mediaType,
        artifactType: undefined,
        tag: m.tag,
        annotations: {},
        layers: m.layers,
      });
    }
    return out;
  }

  /** Everything attached: referrers first, then the cosign tags. */
  async discover(subject: Digest): Promise<Attached[]> {
    return [...(await this.referrers(subject)), ...(await this.tagged(subject))];
  }

  /** A layer's blob (bounded in size, verified against its digest). */
  blob(desc: Descriptor): Promise<Buffer> {
    return readBlob(this.client, this.repo, desc);
  }
}
