import { type Static, type TNull, type TSchema, type TUnion, Type } from '@sinclair/typebox';

/** A timestamp: a Date in handlers, an RFC 3339 string on the wire. */
export const DateTime = (description?: string) =>
  Type.Unsafe<Date>({ type: 'string', format: 'date-time', ...(description ? { description } : {}) });

/** A timestamp in a request: an RFC 3339 string. */
export const DateTimeInput = (description?: string) =>
  Type.String({ format: 'date-time', ...(description ? { description } : {}) });

/**
 * The schema or null. Simple schemas become `type: [T, 'null']` rather than a union: with the type
 * coercion fastify's validator applies, a union's first branch would turn null into 0 or ''.
 */
export const Nullable = <T extends TSchema>(schema: T): TUnion<[T, TNull]> => {
  const type = (schema as { type?: unknown }).type;
  if (typeof type !== 'string') return Type.Union([schema, Type.Null()]);
  return Type.Unsafe<Static<T> | null>({ ...schema, type: [type, 'null'] }) as unknown as TUnion<[T, TNull]>;
};

/** Objects that refuse unknown properties with a 400 (fastify's validator would silently drop them
 * under `additionalProperties: false`). */
export const Strict = { additionalProperties: Type.Never() } as const;

export const ErrorBody = Type.Object(
  {
    errors: Type.Array(
      Type.Object({
        code: Type.String({
          description: 'UNAUTHORIZED, DENIED, WHARF_ERR_NOT_FOUND, WHARF_ERR_CONFLICT, …',
        }),
        message: Type.String(),
        detail: Type.Unknown({
          description: 'Machine-readable context (the failing field on 400), or null.',
        }),
      }),
    ),
  },
  { $id: 'ErrorBody', title: 'ErrorBody' },
);

const ERROR_DESCRIPTIONS = {
  400: 'Invalid request (detail names the failing field)',
  401: 'Authentication required (HTTP Basic)',
  403: 'Not allowed',
  404: 'Not found, or not visible to the caller',
  409: 'Conflicts with the current state',
} as const;

type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

/** Response schemas for the given error statuses (401 is always included: every route needs a login). */
export function errors(...statuses: ErrorStatus[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = {};
  for (const s of new Set<ErrorStatus>([401, ...statuses])) {
    out[s] = Type.Ref(ErrorBody, { description: ERROR_DESCRIPTIONS[s] });
  }
  return out;
}

export const NoContent = Type.Null({ description: 'Done' });

/**
 * A stored row's id in a path: positive and within a 32-bit integer, so an absurd id is a 400 from
 * validation and never reaches the database (where it would overflow the column).
 */
export const IdParam = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });

export const ProjectName = Type.String({
  pattern: '^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$',
  maxLength: 255,
  description: 'A project name: the first path segment of its repositories',
});
