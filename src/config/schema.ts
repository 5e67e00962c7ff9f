import { type Static, Type } from '@sinclair/typebox';

const Seconds = (def: number, description: string) => Type.Integer({ minimum: 1, default: def, description });

export const ConfigSchema = Type.Object(
  {
    version: Type.Literal(1, { default: 1, description: 'config format version' }),
    listen: Type.String({ default: '127.0.0.1:5000', description: 'HOST:PORT to listen on' }),
    dataDir: Type.String({
      default: './wharf-data',
      description: 'blobs, uploads and the SQLite database live here',
    }),
    database: Type.String({
      default: '',
      description: 'metadata database URL: postgres://… or sqlite:PATH; empty means SQLite in dataDir',
    }),
    auth: Type.Union([Type.Literal('basic'), Type.Literal('none')], {
      default: 'basic',
      description: "'none' turns authentication off (local experiments only)",
    }),
    adminPassword: Type.String({
      default: '',
      description: 'admin password; empty means generated on first start and printed once',
    }),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info' },
    ),
    tls: Type.Object(
      {
        cert: Type.String({ default: '', description: 'PEM certificate file; set with key to serve HTTPS' }),
        key: Type.String({ default: '', description: 'PEM private key file' }),
      },
      { default: {}, additionalProperties: false },
    ),
    uploads: Type.Object(
      {
        ttlSeconds: Seconds(86_400, 'an upload session idle this long is purged'),
        purgeIntervalSeconds: Seconds(600, 'how often expired upload sessions are purged'),
      },
      { default: {}, additionalProperties: false },
    ),
    cache: Type.Object(
      {
        manifestTtlSeconds: Type.Integer({
          minimum: 0,
          default: 5,
          description: '0 disables the manifest cache',
        }),
        manifestEntries: Type.Integer({ minimum: 0, default: 10_000 }),
      },
      { default: {}, additionalProperties: false },
    ),
    limits: Type.Object(
      {
        maxManifestBytes: Type.Integer({ minimum: 1024, default: 4 * 1024 * 1024 }),
        shutdownGraceSeconds: Seconds(30, 'in-flight requests get this long to finish on shutdown'),
      },
      { default: {}, additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;
