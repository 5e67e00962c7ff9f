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
    auth: Type.Union([Type.Literal('token'), Type.Literal('basic'), Type.Literal('none')], {
      default: 'token',
      description:
        "'token': users and robots, docker token auth and Basic ('basic' is the same, its former name); 'none' turns authentication off (local experiments only)",
    }),
    externalUrl: Type.String({
      default: '',
      description:
        'URL clients use to reach this registry (token realm, links); empty: derived from each request',
    }),
    token: Type.Object(
      {
        issuer: Type.String({ default: 'wharf', description: 'JWT iss claim' }),
        service: Type.String({ default: 'wharf', description: 'the token service name (JWT aud claim)' }),
        ttlSeconds: Type.Integer({ minimum: 30, maximum: 3600, default: 300, description: 'token lifetime' }),
      },
      { default: {}, additionalProperties: false },
    ),
    shared: Type.Object(
      {
        redisUrl: Type.String({
          default: '',
          description: 'redis://… for rate limits shared by replicas; empty: in-process',
        }),
        keyPrefix: Type.String({ default: 'wharf:', description: 'prefix of every Redis key' }),
      },
      { default: {}, additionalProperties: false },
    ),
    rateLimits: Type.Object(
      {
        pullPerMinutePerClient: Type.Integer({
          minimum: 0,
          default: 0,
          description: 'pulls per minute per principal (or IP when anonymous); 0: unlimited',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    audit: Type.Object(
      {
        retentionDays: Type.Integer({
          minimum: 1,
          default: 90,
          description: 'audit events older than this are purged',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    admission: Type.Object(
      {
        policies: Type.Array(Type.String(), {
          default: [],
          description:
            'Kyverno ClusterPolicy YAML files (verifyImages subset) served at /admission/v1/*; empty: admission off',
        }),
        registryHosts: Type.Array(Type.String(), {
          default: [],
          description:
            'host[:port] names clusters pull this registry by (besides externalUrl and localhost:PORT)',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    replication: Type.Object(
      {
        secretKey: Type.String({
          default: '',
          description:
            "base64 of 32 bytes sealing endpoint credentials (AES-256-GCM); empty: the data dir's secret.key (a replication.key left by earlier versions is still used). Replicas sharing a database need the same key",
        }),
        chunkSizeBytes: Type.Integer({
          minimum: 65_536,
          maximum: 1_073_741_824,
          default: 8 * 1024 * 1024,
          description:
            'blobs larger than this are copied in chunks of it (an interrupted copy resumes per chunk)',
        }),
        maxAttempts: Type.Integer({
          minimum: 1,
          maximum: 100,
          default: 5,
          description: 'attempts per replication job (an artifact, or a listing) before it is dead',
        }),
        scheduleTickSeconds: Seconds(30, 'how often cron triggers are looked at'),
      },
      { default: {}, additionalProperties: false },
    ),
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
    proxy: Type.Object(
      {
        freshnessSeconds: Type.Integer({
          minimum: 0,
          default: 60,
          description:
            'a proxied tag checked upstream this recently is served without asking again; 0: every pull',
        }),
        checkTimeoutMs: Type.Integer({
          minimum: 100,
          default: 2500,
          description: 'how long a freshness HEAD may take before the cached copy is served instead',
        }),
        fetchTimeoutSeconds: Seconds(
          30,
          'how long a manifest fetch, or a blob fetch until its headers, may take',
        ),
      },
      { default: {}, additionalProperties: false },
    ),
    gc: Type.Object(
      {
        schedule: Type.String({
          pattern: '^(off|([01][0-9]|2[0-3]):[0-5][0-9])$',
          default: 'off',
          description:
            "daily garbage collection at HH:MM UTC (one run across all replicas); 'off': only on demand",
        }),
        graceHours: Type.Number({
          minimum: 0,
          default: 72,
          description: 'blobs and links younger than this are never collected (protects pushes in progress)',
        }),
        batchSize: Type.Integer({
          minimum: 1,
          maximum: 5000,
          default: 500,
          description: 'rows deleted per transaction: smaller keeps concurrent pushes waiting less',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    retention: Type.Object(
      {
        scheduleTickSeconds: Seconds(30, 'how often retention policy schedules are looked at'),
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
