import { parseDigest } from '../../oci/digest.js';
import type { V2Context } from './context.js';
import { parseRangeHeader } from './ranges.js';

const OCTET = 'application/octet-stream';

export async function headBlob({ match, reply, registry }: V2Context): Promise<unknown> {
  const blob = await registry.blobs.stat(match.name, parseDigest(match.ref));
  return reply
    .headers({
      'Content-Length': blob.size,
      'Docker-Content-Digest': blob.digest,
      'Content-Type': OCTET,
      'Accept-Ranges': 'bytes',
      ETag: `"${blob.digest}"`,
    })
    .code(200)
    .send();
}

export async function getBlob({ match, req, reply, registry }: V2Context): Promise<unknown> {
  const rangeHeader = req.headers.range;
  const { blob, range, body } = await registry.blobs.open(match.name, parseDigest(match.ref), (size) =>
    parseRangeHeader(rangeHeader, size),
  );
  reply.headers({
    'Docker-Content-Digest': blob.digest,
    'Content-Type': OCTET,
    'Accept-Ranges': 'bytes',
    ETag: `"${blob.digest}"`,
  });
  if (range) {
    reply.code(206).headers({
      'Content-Range': `bytes ${range.start}-${range.end}/${blob.size}`,
      'Content-Length': range.end - range.start + 1,
    });
  } else {
    reply.code(200).header('Content-Length', blob.size);
  }
  return reply.send(body);
}

export async function deleteBlob({ match, reply, registry }: V2Context): Promise<unknown> {
  await registry.blobs.delete(match.name, parseDigest(match.ref));
  return reply.code(202).header('Content-Length', 0).send();
}
