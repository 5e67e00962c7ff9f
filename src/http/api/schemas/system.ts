import { Type } from '@sinclair/typebox';
import { DateTime, Nullable, Strict } from './common.js';

const Count = (description: string) => Type.Integer({ minimum: 0, description });

export const GcRequest = Type.Object(
  {
    dryRun: Type.Optional(
      Type.Boolean({ default: false, description: 'Report what would be deleted; delete nothing' }),
    ),
  },
  { ...Strict, description: 'Collect now (an empty body is a real run)' },
);

export const GcRun = Type.Object(
  {
    id: Type.Integer({ description: 'Increasing: the cursor of the history' }),
    dryRun: Type.Boolean(),
    trigger: Type.Union([Type.Literal('api'), Type.Literal('schedule')]),
    startedAt: DateTime(),
    finishedAt: DateTime(),
    durationMs: Count('Wall time of the run'),
    graceHours: Type.Number({ description: 'Nothing younger than this was collected' }),
    linksRemoved: Count('Repository links no manifest of the repository references'),
    blobsDeleted: Count('Blobs deleted (row and file): no link, no reference'),
    blobBytes: Count('Bytes of the blobs deleted'),
    orphanFiles: Count('Files in the blob store without a row, removed'),
    orphanBytes: Count('Bytes of the orphan files'),
    uploadsExpired: Count('Upload sessions idle past uploads.ttlSeconds, purged'),
    bytesFreed: Count('blobBytes + orphanBytes'),
    error: Nullable(Type.String({ description: 'Why the run stopped early; its counts are what it did' })),
  },
  { description: 'What one garbage collection run removed (or, dry, would remove)' },
);

export const ScrubProblem = Type.Object({
  digest: Type.String(),
  size: Count('The size the metadata records'),
  problem: Type.Union([Type.Literal('corrupt'), Type.Literal('missing')]),
  actualDigest: Nullable(Type.String({ description: 'What the stored bytes hash to; null when missing' })),
  actualSize: Nullable(Type.Integer({ minimum: 0 })),
});

export const ScrubReport = Type.Object(
  {
    startedAt: DateTime(),
    finishedAt: DateTime(),
    durationMs: Count('Wall time'),
    checked: Count('Blobs read back and hashed'),
    bytes: Count('Bytes read'),
    corrupt: Count('Blobs whose content does not match their digest or size'),
    missing: Count('Blobs whose file is missing'),
    problems: Type.Array(ScrubProblem, { description: 'The first 1000 problems, by digest' }),
  },
  { description: 'Every stored blob verified against its digest; nothing is changed' },
);
