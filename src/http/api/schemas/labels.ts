import { Type } from '@sinclair/typebox';

/** A label key: a letter or digit, then letters, digits, `.`, `_`, `-` (128 at most). */
export const LABEL_KEY = '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$';
/** `key` or `key=value` (a value of at most 256 characters, no control characters). */
export const LABEL_FILTER = '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}(=[^\\u0000-\\u001f\\u007f]{0,256})?$';

export const LabelKey = Type.String({ pattern: LABEL_KEY, description: 'The label key' });

export const LabelValue = Type.String({
  maxLength: 256,
  pattern: '^[^\\u0000-\\u001f\\u007f]*$',
  description: 'The label value (may be empty; no control characters)',
});

export const Labels = Type.Record(Type.String(), Type.String(), {
  title: 'Labels',
  description: 'Labels, key → value',
});

/** `key=value` → the filter; a bare `key` matches any value. */
export function labelFilter(s: string): { key: string; value?: string } {
  const eq = s.indexOf('=');
  return eq === -1 ? { key: s } : { key: s.slice(0, eq), value: s.slice(eq + 1) };
}
