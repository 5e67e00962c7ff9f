import { tryParseDigest } from '../../oci/digest.js';
import { describe, isObject } from './fields.js';
import { type ImageRef, normalizeImage } from './images.js';
import type { ImageVerifier } from './verifier.js';

/** What is known about one image, offline: `wharf policy test --attestations` and the tests. */
export interface StaticImage {
  /** What the tag points at (needed for images given by tag). */
  digest?: string;
  /** `true`: signed by every key a policy names; a list: signed by exactly these PEM keys. */
  signed?: boolean | readonly string[];
  /** in-toto statements attached to the image. */
  statements?: readonly unknown[];
  /** The PEM keys the statements verify with (default: any key). */
  attestedBy?: readonly string[];
}

const squash = (pem: string) => pem.replace(/\s+/g, '');

function signedWith(by: boolean | readonly string[] | undefined, keys: readonly string[]): number {
  if (by === true) return keys.length ? 0 : -1;
  if (!Array.isArray(by)) return -1;
  const known = new Set(by.map(squash));
  return keys.findIndex((k) => known.has(squash(k)));
}

/**
 * An ImageVerifier over data given up front: signature and attestation results are taken as
 * stated, never checked cryptographically. `source` names the data in reasons.
 */
export class StaticVerifier implements ImageVerifier {
  readonly #images: { ref: ImageRef; data: StaticImage }[];
  readonly #source: string;

  constructor(images: Readonly<Record<string, StaticImage>>, source = 'the static data') {
    this.#images = Object.entries(images).map(([image, data]) => ({ ref: normalizeImage(image), data }));
    this.#source = source;
  }

  #find(image: string, digest?: string): StaticImage | undefined {
    const ref = normalizeImage(image);
    const exact = this.#images.find((i) => i.ref.reference === ref.reference);
    if (exact && (digest === undefined || exact.data.digest === undefined || exact.data.digest === digest)) {
      return exact.data;
    }
    const d = digest ?? ref.digest;
    return this.#images.find(
      (i) =>
        i.ref.registry === ref.registry &&
        i.ref.path === ref.path &&
        d !== undefined &&
        (i.ref.digest ?? i.data.digest) === d,
    )?.data;
  }

  async resolve(image: string): Promise<{ digest: string } | { error: string }> {
    const digest = this.#find(image)?.digest;
    return digest ? { digest } : { error: `no digest for it in ${this.#source}` };
  }

  async verifySignature(
    image: string,
    digest: string,
    keys: readonly string[],
  ): Promise<{ ok: true; keyIndex: number } | { ok: false; reason: string }> {
    const data = this.#find(image, digest);
    if (!data?.signed) return { ok: false, reason: `no signature on ${digest} according to ${this.#source}` };
    const keyIndex = signedWith(data.signed, keys);
    return keyIndex === -1
      ? { ok: false, reason: `no signature on ${digest} verifies with this key according to ${this.#source}` }
      : { ok: true, keyIndex };
  }

  async attestations(
    image: string,
    digest: string,
    keys: readonly string[],
  ): Promise<{ statements: unknown[] }> {
    const data = this.#find(image, digest);
    if (!data?.statements) return { statements: [] };
    if (data.attestedBy !== undefined && signedWith(data.attestedBy, keys) === -1) return { statements: [] };
    return { statements: [...data.statements] };
  }
}

function pemList(v: unknown, where: string): readonly string[] {
  if (!Array.isArray(v) || !v.every((k) => typeof k === 'string'))
    throw new Error(`${where}: expected a list of PEM keys`);
  return v as string[];
}

/** Reads the `--attestations` JSON: `{ "<image>": { digest?, signed?, statements?, attestedBy? } }`. */
export function parseStaticImages(json: unknown, source: string): Record<string, StaticImage> {
  if (!isObject(json)) throw new Error(`${source}: expected an object keyed by image, got ${describe(json)}`);
  const out: Record<string, StaticImage> = {};
  for (const [image, v] of Object.entries(json)) {
    const where = `${source}: "${image}"`;
    try {
      normalizeImage(image);
    } catch (err) {
      throw new Error(`${where}: ${(err as Error).message}`);
    }
    if (!isObject(v)) throw new Error(`${where}: expected an object, got ${describe(v)}`);
    const unknown = Object.keys(v).filter(
      (k) => !['digest', 'signed', 'statements', 'attestedBy'].includes(k),
    );
    if (unknown.length)
      throw new Error(
        `${where}: unknown field ${unknown.join(', ')} (digest, signed, statements, attestedBy)`,
      );
    const data: StaticImage = {};
    if (v.digest !== undefined) {
      if (typeof v.digest !== 'string' || !tryParseDigest(v.digest))
        throw new Error(`${where}.digest: not a digest`);
      data.digest = v.digest;
    }
    if (v.signed !== undefined)
      data.signed = typeof v.signed === 'boolean' ? v.signed : pemList(v.signed, `${where}.signed`);
    if (v.statements !== undefined) {
      if (!Array.isArray(v.statements))
        throw new Error(`${where}.statements: expected a list of in-toto statements`);
      data.statements = v.statements;
    }
    if (v.attestedBy !== undefined) data.attestedBy = pemList(v.attestedBy, `${where}.attestedBy`);
    out[image] = data;
  }
  return out;
}
