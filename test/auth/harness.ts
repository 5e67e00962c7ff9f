import type { Wharf } from '../../src/compose/index.js';
import type { AccessStore, SigningKeyRecord } from '../../src/ports/access-store.js';
import type { AccessService } from '../../src/services/access/index.js';
import type { WharfEvent } from '../../src/services/events/index.js';
import type { TokenService } from '../../src/services/tokens/index.js';
import { type Dialect, startTestServer } from '../helpers/server.js';

export interface AuthServer {
  url: string;
  /** The composed server's services. */
  wharf: Wharf;
  /** The real access service on this server's database, for seeding users, projects and robots. */
  access: AccessService;
  /** The signing keys this server's tokens use: the database's (for tests that sign their own). */
  signingKeys: AccessStore['signingKeys'];
  /** The metadata database, for a second replica to share. */
  databaseUrl: string;
  tokens: TokenService;
  /** The LOGIN_FAILED events of the audit log, oldest first. */
  loginFailures(): Promise<WharfEvent[]>;
  close(): Promise<void>;
}

export interface AuthServerOptions {
  dialect?: Dialect;
  /** An existing database (another replica's); its owner drops it. */
  databaseUrl?: string;
  ttlSeconds?: number;
  externalUrl?: string;
}

/** An in-memory `signingKeys` no server knows (for tokens signed by a stranger). */
export function memorySigningKeys(): AccessStore['signingKeys'] {
  const rows: SigningKeyRecord[] = [];
  return {
    add: async (k) => void rows.push({ ...k }),
    list: async () => [...rows].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime()),
    retire: async (kid, at) => {
      for (const r of rows) if (r.kid === kid) r.retiredAt = at;
    },
  };
}

/** The real server (compose.ts) on 127.0.0.1 with token auth, fresh data and database. */
export async function startAuthServer(opts: AuthServerOptions): Promise<AuthServer> {
  const server = await startTestServer({
    // A replica on another's database needs no database of its own.
    dialect: opts.databaseUrl ? 'sqlite' : (opts.dialect ?? 'sqlite'),
    auth: 'token',
    config: {
      ...(opts.databaseUrl ? { database: opts.databaseUrl } : {}),
      ...(opts.ttlSeconds !== undefined ? { token: { ttlSeconds: opts.ttlSeconds } } : {}),
      ...(opts.externalUrl ? { externalUrl: opts.externalUrl } : {}),
    },
  });
  const { wharf } = server;
  const tokens = wharf.tokens;
  if (!tokens) throw new Error('token auth is on but the server has no TokenService');
  return {
    url: server.url,
    wharf,
    access: wharf.access,
    signingKeys: wharf.meta.access.signingKeys,
    databaseUrl: server.databaseUrl,
    tokens,
    async loginFailures() {
      const { events } = await wharf.eventing.audit.query({ types: ['LOGIN_FAILED'], limit: 500 });
      return events.reverse();
    },
    close: () => server.stop(),
  };
}
