/**
 * Strict base64 for signatures and DSSE payloads. Node's Buffer.from(s, 'base64') skips bad
 * characters silently, which would let a damaged signature or payload decode to something else;
 * here a string decodes only if it is whole: one alphabet (standard or URL-safe, as Go's DSSE
 * decoder tries both), correct padding when padded, and a length a real encoder can produce.
 * Line breaks are ignored, as Go's decoder does.
 */
const STD = /^[A-Za-z0-9+/]*$/;
const URL_SAFE = /^[A-Za-z0-9_-]*$/;

export type Base64Problem = 'invalid' | 'truncated';

export function decodeBase64(text: string): Buffer | Base64Problem {
  const s = text.replace(/[\r\n]/g, '');
  const body = s.replace(/={1,2}$/, '');
  const padded = body.length !== s.length;
  if (!STD.test(body) && !URL_SAFE.test(body)) return 'invalid';
  if (padded && s.length % 4 !== 0) return 'truncated';
  if (!padded && body.length % 4 === 1) return 'truncated';
  return Buffer.from(body, URL_SAFE.test(body) && /[-_]/.test(body) ? 'base64url' : 'base64');
}

export function isBase64Problem(v: Buffer | Base64Problem): v is Base64Problem {
  return typeof v === 'string';
}

/** Standard, padded base64: what cosign writes everywhere. */
export function encodeBase64(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
}
