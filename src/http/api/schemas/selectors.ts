import { Type } from '@sinclair/typebox';
import { Strict } from './common.js';

/** How a rule's pattern selects (immutability and retention rules share it). */
export const Decoration = Type.Union([Type.Literal('matching'), Type.Literal('excluding')], {
  description: 'Select the names matching the pattern, or those not matching it',
});

export const Pattern = Type.String({
  minLength: 1,
  maxLength: 256,
  description: 'Doublestar glob: `**` across `/`, `*` and `?` within a segment, `{a,b}` alternatives',
});

/** A selector in a request (checked further by `checkSelector`). */
export const SelectorInput = (description?: string) =>
  Type.Object(
    { decoration: Decoration, pattern: Pattern },
    description ? { ...Strict, description } : Strict,
  );

/** A selector as stored. */
export const SelectorView = Type.Object({ decoration: Decoration, pattern: Type.String() });
