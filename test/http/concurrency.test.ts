import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { availableDialects } from '../helpers/dialects.js';
import { blob, imageManifest, jsonBlob } from '../helpers/oci.js';
import { V2 } from '../helpers/registry-client.js';
import { useServer } from '../helpers/server.js';

const dialects = await availableDialects();

describe.each(dialects)('concurrent pushes (%s)', (dialect) => {
  const ctx = useServer({ dialect });

  it('16 clients pushing the same blob and manifest all succeed, and one copy is stored', async () => {
    const config = jsonBlob({ concurrency: true });
    const layer = blob(256 * 1024);
    const manifest = imageManifest(config, [layer]);
    const clients = Array.from({ length: 16 }, () => new V2(ctx.server.url));
    const results = await Promise.all(
      clients.map(async (c, i) => {
        const chunked = i % 2 === 0;
        const statuses: number[] = [];
        statuses.push((await c.pushBlob('same/repo', config)).status);
        if (chunked) {
          const start = await c.fetch('/v2/same/repo/blobs/uploads/', { method: 'POST' });
          const loc = start.headers.get('location') ?? '';
          await c.fetch(loc, { method: 'PATCH', body: layer.data.subarray(0, 100_000) });
          statuses.push(
            (
              await c.fetch(`${loc}?digest=${layer.digest}`, {
                method: 'PUT',
                body: layer.data.subarray(100_000),
              })
            ).status,
          );
        } else {
          statuses.push((await c.pushBlob('same/repo', layer)).status);
        }
        statuses.push((await c.putManifest('same/repo', 'latest', manifest)).status);
        return statuses;
      }),
    );
    expect(results.flat().every((s) => s === 201)).toBe(true);
    const hex = layer.digest.slice(7);
    const files = await readdir(join(ctx.server.dataDir, 'blobs', 'sha256', hex.slice(0, 2)));
    expect(files.filter((f) => f === hex)).toHaveLength(1);
    expect(await readdir(join(ctx.server.dataDir, 'uploads'))).toEqual([]);
    const r = await ctx.v2.fetch('/v2/same/repo/manifests/latest');
    expect(r.headers.get('docker-content-digest')).toBe(manifest.digest);
  });
});
