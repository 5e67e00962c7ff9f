import { createTestDatabase } from './postgres.js';
import type { Dialect } from './server.js';

/** SQLite always; PostgreSQL when it answers (with a visible notice when it does not). */
export async function availableDialects(): Promise<Dialect[]> {
  const db = await createTestDatabase();
  if (!db) {
    console.warn('\n*** PostgreSQL not reachable at 127.0.0.1:5432: skipping the PostgreSQL API suite ***\n');
    return ['sqlite'];
  }
  await db.drop();
  return ['sqlite', 'postgres'];
}
