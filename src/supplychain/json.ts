/** JSON helpers shared by the parsers: parse without throwing, shape guards, Go-compatible output. */

export type JsonResult = { ok: true; value: unknown } | { ok: false; truncated: boolean; message: string };

export function parseJson(bytes: Uint8Array | string): JsonResult {
  const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8');
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const truncated = text.trim() !== '' && /end of (JSON|data)|Unterminated string/i.test(message);
    return { ok: false, truncated, message };
  }
}

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys(value[key]);
  return out;
}

const GO_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/**
 * Serialises a map the way Go's encoding/json does: keys sorted, and `<`, `>`, `&`, U+2028 and
 * U+2029 escaped. Those characters only ever occur inside strings in JSON.stringify's output, so
 * replacing them there is safe.
 */
export function goMapJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)).replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c] ?? c);
}
