import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { availableDialects } from '../helpers/dialects.js';
import { blob } from '../helpers/oci.js';
import { errorCode } from '../helpers/registry-client.js';
import { useServer } from '../helpers/server.js';

const dialects = await availableDialects();

describe.each(dialects)('blobs and uploads over HTTP (%s)', (dialect) => {
  const ctx = useServer({ dialect });

  async function startSession(repo: string): Promise<string> {
    const r = await ctx.v2.fetch(`/v2/${repo}/blobs/uploads/`, { method: 'POST' });
    expect(r.status).toBe(202);
    expect(r.headers.get('docker-upload-uuid')).toMatch(/^[0-9a-f-]{36}$/);
    const location = r.headers.get('location');
    expect(location).toMatch(new RegExp(`^/v2/${repo}/blobs/uploads/`));
    return location ?? '';
  }

  it('answers GET /v2/ with the API version header', async () => {
    const r = await ctx.v2.fetch('/v2/');
    expect(r.status).toBe(200);
    expect(r.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
  });

  it('pushes a blob in one POST and serves it back by GET and HEAD', async () => {
    const b = blob(10_000);
    const r = await ctx.v2.pushBlob('lib/mono', b);
    expect(r.status).toBe(201);
    expect(r.headers.get('docker-content-digest')).toBe(b.digest);
    expect(r.headers.get('location')).toBe(`/v2/lib/mono/blobs/${b.digest}`);
    const head = await ctx.v2.fetch(`/v2/lib/mono/blobs/${b.digest}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('10000');
    expect(head.headers.get('docker-content-digest')).toBe(b.digest);
    const get = await ctx.v2.fetch(`/v2/lib/mono/blobs/${b.digest}`);
    expect(get.status).toBe(200);
    expect(Buffer.from(await get.arrayBuffer()).equals(b.data)).toBe(true);
  });

  it('serves byte ranges with 206 and refuses unsatisfiable ones with 416', async () => {
    const b = blob(1000);
    await ctx.v2.pushBlob('lib/range', b);
    const part = await ctx.v2.fetch(`/v2/lib/range/blobs/${b.digest}`, { headers: { range: 'bytes=10-19' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 10-19/1000');
    expect(Buffer.from(await part.arrayBuffer()).equals(b.data.subarray(10, 20))).toBe(true);
    const suffix = await ctx.v2.fetch(`/v2/lib/range/blobs/${b.digest}`, { headers: { range: 'bytes=-5' } });
    expect(Buffer.from(await suffix.arrayBuffer()).equals(b.data.subarray(995))).toBe(true);
    const bad = await ctx.v2.fetch(`/v2/lib/range/blobs/${b.digest}`, {
      headers: { range: 'bytes=2000-3000' },
    });
    expect(bad.status).toBe(416);
    expect(bad.headers.get('content-range')).toBe('bytes */1000');
  });

  it('does a chunked upload with PATCH, reports status, and finishes with PUT', async () => {
    const b = blob(300_000);
    const loc = await startSession('lib/chunked');
    const p1 = await ctx.v2.fetch(loc, {
      method: 'PATCH',
      body: b.data.subarray(0, 100_000),
      headers: { 'content-range': '0-99999' },
    });
    expect(p1.status).toBe(202);
    expect(p1.headers.get('range')).toBe('0-99999');
    const status = await ctx.v2.fetch(p1.headers.get('location') ?? '');
    expect(status.status).toBe(204);
    expect(status.headers.get('range')).toBe('0-99999');
    const p2 = await ctx.v2.fetch(loc, { method: 'PATCH', body: b.data.subarray(100_000, 200_000) });
    expect(p2.headers.get('range')).toBe('0-199999');
    const put = await ctx.v2.fetch(`${loc}?digest=${b.digest}`, {
      method: 'PUT',
      body: b.data.subarray(200_000),
    });
    expect(put.status).toBe(201);
    expect(put.headers.get('docker-content-digest')).toBe(b.digest);
    const get = await ctx.v2.fetch(`/v2/lib/chunked/blobs/${b.digest}`);
    expect(
      createHash('sha256')
        .update(Buffer.from(await get.arrayBuffer()))
        .digest('hex'),
    ).toBe(b.digest.slice(7));
    const gone = await ctx.v2.fetch(loc);
    expect(gone.status).toBe(404);
    expect(await errorCode(gone)).toBe('BLOB_UPLOAD_UNKNOWN');
  });

  it('refuses an out-of-order chunk with 416 and the current range', async () => {
    const loc = await startSession('lib/order');
    await ctx.v2.fetch(loc, { method: 'PATCH', body: Buffer.alloc(10), headers: { 'content-range': '0-9' } });
    const r = await ctx.v2.fetch(loc, {
      method: 'PATCH',
      body: Buffer.alloc(10),
      headers: { 'content-range': '20-29' },
    });
    expect(r.status).toBe(416);
    expect(r.headers.get('range')).toBe('0-9');
    expect(r.headers.get('location')).toBe(loc);
  });

  it('refuses a digest mismatch with DIGEST_INVALID and stores nothing', async () => {
    const b = blob(100);
    const wrong = blob(100).digest;
    const r = await ctx.v2.pushBlob('lib/mismatch', { data: b.data, digest: wrong });
    expect(r.status).toBe(400);
    expect(await errorCode(r)).toBe('DIGEST_INVALID');
    for (const d of [wrong, b.digest]) {
      expect((await ctx.v2.fetch(`/v2/lib/mismatch/blobs/${d}`, { method: 'HEAD' })).status).toBe(404);
    }
  });

  it('verifies sha512 digests', async () => {
    const data = Buffer.from('sha512 content');
    const digest = `sha512:${createHash('sha512').update(data).digest('hex')}`;
    const r = await ctx.v2.pushBlob('lib/sha512', { data, digest });
    expect(r.status).toBe(201);
    const get = await ctx.v2.fetch(`/v2/lib/sha512/blobs/${digest}`);
    expect(Buffer.from(await get.arrayBuffer()).equals(data)).toBe(true);
  });

  it('mounts a blob from another repository, and falls back to an upload when the source lacks it', async () => {
    const b = blob(500);
    await ctx.v2.pushBlob('lib/source', b);
    const m = await ctx.v2.fetch(`/v2/lib/target/blobs/uploads/?mount=${b.digest}&from=lib/source`, {
      method: 'POST',
    });
    expect(m.status).toBe(201);
    expect(m.headers.get('location')).toBe(`/v2/lib/target/blobs/${b.digest}`);
    expect((await ctx.v2.fetch(`/v2/lib/target/blobs/${b.digest}`, { method: 'HEAD' })).status).toBe(200);
    const missing = blob(10).digest;
    const f = await ctx.v2.fetch(`/v2/lib/target/blobs/uploads/?mount=${missing}&from=lib/source`, {
      method: 'POST',
    });
    expect(f.status).toBe(202);
    expect(f.headers.get('location')).toMatch(/^\/v2\/lib\/target\/blobs\/uploads\//);
  });

  it('keeps blobs private to the repositories that link them', async () => {
    const b = blob(64);
    await ctx.v2.pushBlob('lib/a', b);
    const r = await ctx.v2.fetch(`/v2/lib/b/blobs/${b.digest}`, { method: 'HEAD' });
    expect(r.status).toBe(404);
  });

  it('never serves a cached small blob where it is not linked', async () => {
    const b = blob(2048);
    await ctx.v2.pushBlob('lib/warm', b);
    const first = await ctx.v2.fetch(`/v2/lib/warm/blobs/${b.digest}`);
    expect(Buffer.from(await first.arrayBuffer()).equals(b.data)).toBe(true);
    const ranged = await ctx.v2.fetch(`/v2/lib/warm/blobs/${b.digest}`, {
      headers: { range: 'bytes=100-199' },
    });
    expect(Buffer.from(await ranged.arrayBuffer()).equals(b.data.subarray(100, 200))).toBe(true);
    const other = await ctx.v2.fetch(`/v2/lib/cold/blobs/${b.digest}`);
    expect(other.status).toBe(404);
    await other.arrayBuffer();
    await ctx.v2.fetch(`/v2/lib/warm/blobs/${b.digest}`, { method: 'DELETE' });
    const afterDelete = await ctx.v2.fetch(`/v2/lib/warm/blobs/${b.digest}`);
    expect(afterDelete.status).toBe(404);
    await afterDelete.arrayBuffer();
  });

  it('cancels an upload with DELETE', async () => {
    const loc = await startSession('lib/cancel');
    expect((await ctx.v2.fetch(loc, { method: 'DELETE' })).status).toBe(204);
    expect((await ctx.v2.fetch(loc)).status).toBe(404);
  });

  it('deletes a blob link with DELETE', async () => {
    const b = blob(64);
    await ctx.v2.pushBlob('lib/del', b);
    expect((await ctx.v2.fetch(`/v2/lib/del/blobs/${b.digest}`, { method: 'DELETE' })).status).toBe(202);
    const r = await ctx.v2.fetch(`/v2/lib/del/blobs/${b.digest}`);
    expect(r.status).toBe(404);
    expect(await errorCode(r)).toBe('BLOB_UNKNOWN');
  });

  it("does not let one repository use another repository's upload session", async () => {
    const loc = await startSession('lib/owner');
    const id = loc.split('/').pop();
    const r = await ctx.v2.fetch(`/v2/lib/thief/blobs/uploads/${id}`, {
      method: 'PATCH',
      body: Buffer.alloc(5),
    });
    expect(r.status).toBe(404);
    expect(await errorCode(r)).toBe('BLOB_UPLOAD_UNKNOWN');
  });

  it('resumes an upload after a server restart', async () => {
    const b = blob(50_000);
    const loc = await startSession('lib/resume');
    await ctx.v2.fetch(loc, {
      method: 'PATCH',
      body: b.data.subarray(0, 20_000),
      headers: { 'content-range': '0-19999' },
    });
    await ctx.restart();
    const st = await ctx.v2.fetch(loc);
    expect(st.status).toBe(204);
    expect(st.headers.get('range')).toBe('0-19999');
    await ctx.v2.fetch(loc, {
      method: 'PATCH',
      body: b.data.subarray(20_000),
      headers: { 'content-range': '20000-49999' },
    });
    const put = await ctx.v2.fetch(`${loc}?digest=${b.digest}`, { method: 'PUT' });
    expect(put.status).toBe(201);
    const get = await ctx.v2.fetch(`/v2/lib/resume/blobs/${b.digest}`);
    expect(Buffer.from(await get.arrayBuffer()).equals(b.data)).toBe(true);
  });
});
