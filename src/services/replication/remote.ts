import { Agent, type Dispatcher } from 'undici';
import { RegistryClient } from '../../client/registry-client.js';
import { guardedLookup, resolvesInternal } from '../../client/ssrf.js';
import type { ReplicationPolicyRecord } from '../../ports/replication-store.js';
import type { EndpointCredentials } from './types.js';

export interface RemoteOptions {
  /** PATCH chunk size (and the largest blob sent in one PUT). */
  chunkSize: number;
  userAgent?: string;
}

/**
 * A client for a policy's endpoint. The SSRF guard: an endpoint on an internal network (by address,
 * or by every address its name resolves to) may send the client anywhere; a public one is refused
 * internal redirect targets by address and, through its dispatcher's lookup, by name too.
 */
export async function remoteClient(
  policy: ReplicationPolicyRecord,
  credentials: EndpointCredentials | undefined,
  o: RemoteOptions,
): Promise<{ client: RegistryClient; close: () => Promise<void> }> {
  const url = new URL(policy.endpointUrl);
  const internal = await resolvesInternal(url.host);
  const connect = {
    ...(policy.insecure && url.protocol === 'https:' ? { rejectUnauthorized: false } : {}),
    ...(internal ? {} : { lookup: guardedLookup() }),
  };
  const dispatcher: Dispatcher = new Agent({ connect, keepAliveTimeout: 10_000 });
  const client = new RegistryClient({
    registry: url.host,
    plainHttp: url.protocol === 'http:',
    dispatcher,
    internalEndpoint: internal,
    chunkSize: o.chunkSize,
    userAgent: o.userAgent ?? 'wharf-replication/0.1',
    ...(credentials?.type === 'basic'
      ? { credentials: { username: credentials.username, password: credentials.password } }
      : {}),
    ...(credentials?.type === 'token' ? { bearerToken: credentials.token } : {}),
  });
  return { client, close: () => dispatcher.close() };
}
