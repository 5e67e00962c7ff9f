/** The `algorithm:hex` digests the verifiers compare against (kept here so supplychain stays a leaf). */
export interface DigestParts {
  algorithm: string;
  hex: string;
}

const DIGEST_RE = /^(sha256|sha384|sha512):([a-f0-9]+)$/;
const HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

export function splitDigest(digest: string): DigestParts | undefined {
  const m = DIGEST_RE.exec(digest);
  if (!m?.[1] || !m[2] || HEX_LENGTH[m[1]] !== m[2].length) return undefined;
  return { algorithm: m[1], hex: m[2] };
}
