import type { Compilable, CompiledQuery, Kysely } from 'kysely';
import type { Database } from './schema.js';

/** `/* prepared:NAME *\/` opens the SQL of a PreparedQuery; the PostgreSQL pool names the statement after it. */
export const PREPARED_MARK = /^\/\* prepared:([a-z0-9_]+) \*\//;

/**
 * A hot lookup built and compiled once, then run with fresh parameter values. Kysely otherwise
 * rebuilds and recompiles the query (~25 µs) on every call, more than SQLite takes to answer it;
 * on PostgreSQL the mark also lets the pool keep a server-side prepared statement (no re-planning).
 * `build` must use each of its string parameters exactly once, in order (checked here).
 */
export class PreparedQuery<R> {
  private readonly template: CompiledQuery<R>;

  constructor(name: string, arity: number, build: (...params: string[]) => Compilable<R>) {
    const placeholders = Array.from({ length: arity }, (_, i) => `\u0000${name}:${i}`);
    const compiled = build(...placeholders).compile();
    const ordered =
      compiled.parameters.length === arity && compiled.parameters.every((p, i) => p === placeholders[i]);
    if (!ordered || !/^[a-z0-9_]+$/.test(name)) {
      throw new Error(`prepared query '${name}': parameters must be used once each, in order`);
    }
    this.template = { ...compiled, sql: `/* prepared:${name} */ ${compiled.sql}` };
  }

  async first(db: Kysely<Database>, ...values: string[]): Promise<R | undefined> {
    const { rows } = await db.executeQuery<R>({ ...this.template, parameters: values });
    return rows[0];
  }
}
