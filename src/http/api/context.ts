import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { CatalogStore } from '../../ports/catalog-store.js';
import type { Principal } from '../../services/access/principal.js';
import type { Registry } from '../../services/registry/index.js';
import type { ManagementAccess } from './access.js';

/** The API scope's fastify instance: TypeBox schemas give both validation and handler types. */
export type ApiApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** What every route group is given. */
export interface ApiContext {
  access: ManagementAccess;
  catalog: CatalogStore;
  registry: Registry;
  /** The authenticated caller of a request (set before any handler runs). */
  principal(req: FastifyRequest): Principal;
  /** Drops cached credentials after users or robots change. */
  credentialsChanged(): void;
}
