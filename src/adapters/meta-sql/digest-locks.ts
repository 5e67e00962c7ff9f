import { type Kysely, sql, type Transaction } from 'kysely';
import type { Digest } from '../../oci/digest.js';
import type { Database, SqlDialect } from './schema.js';

/**
 * Per-digest locks between the writers that make a blob exist (upload commit, link, mount) and
 * garbage collection, which deletes a blob's row and then its file. Writers hold a digest's lock
 * shared across placing the file and writing the row and link; GC holds it exclusively across
 * deleting the row, committing, and removing the file. See services/lifecycle/README.md.
 */
export interface DigestLocks {
  /** Runs `before`, then `inTx` in one transaction, holding the digest's lock (shared). */
  shared<A, T>(
    digest: Digest,
    before: () => Promise<A>,
    inTx: (trx: Transaction<Database>, a: A) => Promise<T>,
  ): Promise<T>;
  /**
   * Runs `fn` holding the digests' locks exclusively. `fn` must run its queries on the database it
   * is given (on PostgreSQL the connection holding the locks), and may commit transactions on it.
   */
  exclusive<T>(digests: readonly Digest[], fn: (db: Kysely<Database>) => Promise<T>): Promise<T>;
}

export function digestLocks(db: Kysely<Database>, dialect: SqlDialect): DigestLocks {
  return dialect === 'postgres' ? new AdvisoryLocks(db) : new InProcessLocks(db);
}

/** The advisory lock namespace of blob digests (the two-key form: apart from one-key locks). */
const NAMESPACE = 0x77626c62;

/** The first 32 bits of the digest's hex: a collision only makes two digests wait for each other. */
export function lockKey(digest: Digest): number {
  const hex = digest.slice(digest.indexOf(':') + 1, digest.indexOf(':') + 9);
  return Number.parseInt(hex, 16) | 0;
}

/**
 * PostgreSQL: writers take a transaction-level shared advisory lock, so everything they do under it
 * (file placement included) happens on the one connection of their transaction and no second pool
 * connection is ever waited for while holding it. GC takes session-level exclusive locks, in key
 * order, on one connection, so they outlive the commit of its delete until its files are gone.
 */
class AdvisoryLocks implements DigestLocks {
  constructor(private readonly db: Kysely<Database>) {}

  shared<A, T>(
    digest: Digest,
    before: () => Promise<A>,
    inTx: (trx: Transaction<Database>, a: A) => Promise<T>,
  ): Promise<T> {
    return this.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock_shared(${NAMESPACE}, ${lockKey(digest)})`.execute(trx);
      return inTx(trx, await before());
    });
  }

  exclusive<T>(digests: readonly Digest[], fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    const keys = [...new Set(digests.map(lockKey))].sort((a, b) => a - b);
    return this.db.connection().execute(async (conn) => {
      try {
        await sql`select pg_advisory_lock(${NAMESPACE}, k) from unnest(${keys}::int[]) with ordinality as t(k, i) order by i`.execute(
          conn,
        );
        return await fn(conn);
      } finally {
        await sql`select pg_advisory_unlock_all()`.execute(conn);
      }
    });
  }
}

/**
 * SQLite: the registry is one process (the database is a file it opens), so the locks are
 * in-process. A writer places the file before its transaction: the single connection is never held
 * across file I/O.
 */
class InProcessLocks implements DigestLocks {
  private readonly held = new Map<string, Promise<void>>();

  constructor(private readonly db: Kysely<Database>) {}

  shared<A, T>(
    digest: Digest,
    before: () => Promise<A>,
    inTx: (trx: Transaction<Database>, a: A) => Promise<T>,
  ): Promise<T> {
    return this.hold([digest], async () => {
      const a = await before();
      return this.db.transaction().execute((trx) => inTx(trx, a));
    });
  }

  exclusive<T>(digests: readonly Digest[], fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.hold([...new Set(digests)].sort(), () => fn(this.db));
  }

  /** Takes the keys one after another in the order given (sorted by callers holding several). */
  private async hold<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T> {
    const releases: (() => void)[] = [];
    try {
      for (const key of keys) releases.push(await this.acquire(key));
      return await fn();
    } finally {
      for (const release of releases.reverse()) release();
    }
  }

  /** FIFO per key: waits for the previous holder's release. */
  private async acquire(key: string): Promise<() => void> {
    const previous = this.held.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.held.set(key, tail);
    await previous;
    return () => {
      release();
      if (this.held.get(key) === tail) this.held.delete(key);
    };
  }
}
