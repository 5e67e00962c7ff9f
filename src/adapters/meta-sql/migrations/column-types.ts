import { type CreateTableBuilder, sql } from 'kysely';
import type { SqlDialect } from '../schema.js';

/** Column types that differ by dialect; everything else in the schema is shared. */
export function columnTypes(dialect: SqlDialect) {
  const pg = dialect === 'postgres';
  return {
    // Byte-order comparison on both sides: SQLite's BINARY is memcmp over UTF-8, PostgreSQL's "C" is strcmp.
    key: pg ? sql`text collate "C"` : sql`text`,
    int64: pg ? sql`bigint` : sql`integer`,
    bytes: pg ? sql`bytea` : sql`blob`,
  };
}

/** SQLite: clustered on the primary key for small rows keyed by text (no extra rowid b-tree). */
export function clustered<T extends string, C extends string>(dialect: SqlDialect) {
  return (t: CreateTableBuilder<T, C>) => (dialect === 'sqlite' ? t.modifyEnd(sql`without rowid`) : t);
}
