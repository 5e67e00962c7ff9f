import { randomBytes, randomUUID } from 'node:crypto';
import { appendFile, mkdtemp, readdir, readFile, rm, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  blobStoreSuite,
  expectBytes,
  failingStream,
  putBlob,
  readAll,
  streamOf,
} from '../../../test/suites/blob-store-suite.js';
import { type Digest, digestHex, digestOf } from '../../oci/digest.js';
import { FsBlobStore } from './index.js';

async function tempStore(): Promise<{
  root: string;
  store: FsBlobStore;
  reopen: () => Promise<FsBlobStore>;
}> {
  const root = await mkdtemp(join(tmpdir(), 'wharf-blob-fs-'));
  const reopen = async () => {
    const store = new FsBlobStore({ root });
    await store.init();
    return store;
  };
  return { root, store: await reopen(), reopen };
}

blobStoreSuite('fs', async () => {
  const { root, store, reopen } = await tempStore();
  return { store, reopen, cleanup: () => rm(root, { recursive: true, force: true }) };
});

describe('FsBlobStore (filesystem specifics)', () => {
  let root: string;
  let store: FsBlobStore;
  let reopen: () => Promise<FsBlobStore>;
  beforeEach(async () => {
    ({ root, store, reopen } = await tempStore());
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const uploadFiles = () => readdir(join(root, 'uploads'));

  it('lays blobs out like an OCI image layout and uploads under uploads/<id>', async () => {
    const data = randomBytes(100);
    const id = randomUUID();
    const upload = await store.createUpload(id);
    await upload.append(streamOf(data));
    expect(await uploadFiles()).toEqual([id]);
    expectBytes(await readFile(join(root, 'uploads', id)), data);
    await upload.commit(digestOf(data, 'sha512'));
    const hex = digestHex(digestOf(data, 'sha512'));
    expectBytes(await readFile(join(root, 'blobs', 'sha512', hex.slice(0, 2), hex)), data);
    expect(await uploadFiles()).toEqual([]);
  });

  it('leaves no upload file after a mismatch, a cancel or a duplicate commit', async () => {
    const data = Buffer.from('x');
    const a = await store.createUpload(randomUUID());
    await a.commit(digestOf('y')).catch(() => undefined);
    const b = await store.createUpload(randomUUID());
    await b.cancel();
    await putBlob(store, data);
    await putBlob(store, data);
    expect(await uploadFiles()).toEqual([]);
  });

  it('never puts a partial blob at its final path', async () => {
    const data = randomBytes(10_000);
    const upload = await store.createUpload(randomUUID());
    await upload.append(streamOf(data.subarray(0, 5000)));
    await upload.append(failingStream(data.subarray(5000, 8000), new Error('boom'))).catch(() => undefined);
    const restarted = await reopen();
    expect(await restarted.stat(digestOf(data))).toBeUndefined();
    expect(await readdir(join(root, 'blobs'))).toEqual([]);
  });

  it('serializes concurrent appends to one upload, in call order', async () => {
    const id = randomUUID();
    const parts = Array.from({ length: 8 }, () => randomBytes(20_000));
    const first = await store.createUpload(id);
    const second = await store.resumeUpload(id);
    if (!second) throw new Error('upload should exist');
    await Promise.all(
      parts.map((p, i) => (i % 2 ? second : first).append(streamOf(p.subarray(0, 7), p.subarray(7)))),
    );
    const all = Buffer.concat(parts);
    expect(await first.commit(digestOf(all))).toEqual({ digest: digestOf(all), size: all.length });
  });

  it('recomputes the hash when another process appended to the upload', async () => {
    const id = randomUUID();
    const upload = await store.createUpload(id);
    await upload.append(streamOf(Buffer.from('hello ')));
    await appendFile(join(root, 'uploads', id), 'from elsewhere ');
    const resumed = await store.resumeUpload(id);
    expect(resumed?.size()).toBe(21);
    await upload.append(streamOf(Buffer.from('and back')));
    const all = 'hello from elsewhere and back';
    expect(await upload.commit(digestOf(all))).toEqual({ digest: digestOf(all), size: all.length });
  });

  it('takes the size from the file when it is shorter than the in-memory state', async () => {
    const id = randomUUID();
    const upload = await store.createUpload(id);
    await upload.append(streamOf(Buffer.from('0123456789')));
    await truncate(join(root, 'uploads', id), 4);
    expect((await store.resumeUpload(id))?.size()).toBe(4);
    await expect(upload.commit(digestOf('0123'))).resolves.toEqual({ digest: digestOf('0123'), size: 4 });
  });

  it('refuses appends and commits after cancel instead of recreating the file', async () => {
    const upload = await store.createUpload(randomUUID());
    await upload.cancel();
    await expect(upload.append(streamOf(Buffer.from('late')))).rejects.toThrow(/does not exist/);
    await expect(upload.commit(digestOf(''))).rejects.toThrow(/does not exist/);
    expect(await uploadFiles()).toEqual([]);
  });

  it('refuses to reuse an existing upload id', async () => {
    const id = randomUUID();
    await store.createUpload(id);
    await expect(store.createUpload(id)).rejects.toThrow();
  });

  it('derives paths only from well-formed digests', async () => {
    const forged = 'sha256:../../../../etc/passwd' as Digest;
    await expect(store.stat(forged)).rejects.toThrow(/invalid digest/);
    await expect(store.open(forged)).rejects.toThrow(/invalid digest/);
    await expect(store.delete(forged)).rejects.toThrow(/invalid digest/);
    const upload = await store.createUpload(randomUUID());
    await expect(upload.commit(forged)).rejects.toThrow(/invalid digest/);
  });

  it('rejects malformed ranges', async () => {
    const digest = await putBlob(store, Buffer.from('abc'));
    await expect(store.open(digest, { start: 2, end: 1 })).rejects.toBeInstanceOf(RangeError);
    await expect(store.open(digest, { start: -1, end: 1 })).rejects.toBeInstanceOf(RangeError);
  });

  it('aborts a read stream with its signal', async () => {
    const digest = await putBlob(store, randomBytes(1 << 20));
    const controller = new AbortController();
    const stream = await store.open(digest, undefined, controller.signal);
    controller.abort();
    await expect(readAll(stream)).rejects.toMatchObject({ name: 'AbortError' });
    const aborted = AbortSignal.abort();
    await expect(store.open(digest, undefined, aborted)).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('sums the sizes of stored blobs', async () => {
    expect(await store.usedBytes()).toBe(0);
    const a = await putBlob(store, randomBytes(1000));
    await putBlob(store, randomBytes(24));
    expect(await store.usedBytes()).toBe(1024);
    await store.delete(a);
    expect(await store.usedBytes()).toBe(24);
    expect((await stat(join(root, 'blobs'))).isDirectory()).toBe(true);
  });
});
