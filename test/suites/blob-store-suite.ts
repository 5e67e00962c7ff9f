import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Digest, digestOf } from '../../src/oci/digest.js';
import {
  BlobNotFoundError,
  type BlobStore,
  DigestMismatchError,
  UploadTooLargeError,
} from '../../src/ports/blob-store.js';

export interface BlobStoreHarness {
  store: BlobStore;
  /** A fresh store instance over the same backing storage (a process restart or another replica). */
  reopen: () => Promise<BlobStore>;
  cleanup: () => Promise<void>;
}

/** A stream of the given chunks. */
export function streamOf(...chunks: Uint8Array[]): Readable {
  return Readable.from(chunks.map((c) => Buffer.from(c)));
}

/** A stream that emits `bytes`, then fails with `error` a little later (a client dropping mid-body). */
export function failingStream(bytes: Uint8Array, error: Error, delayMs = 20): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (sent) return;
      sent = true;
      this.push(Buffer.from(bytes));
      setTimeout(() => this.destroy(error), delayMs);
    },
  });
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** Byte-for-byte comparison (deep equality walks buffers element by element, slowly). */
export function expectBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length).toBe(expected.length);
  expect(Buffer.compare(actual, expected)).toBe(0);
}

/** Stores `data` through a single-append upload and returns its digest. */
export async function putBlob(store: BlobStore, data: Uint8Array): Promise<Digest> {
  const upload = await store.createUpload(randomUUID());
  await upload.append(streamOf(data));
  return (await upload.commit(digestOf(data))).digest;
}

/**
 * The BlobStore contract, runnable against any adapter: each test gets a fresh, empty store.
 */
export function blobStoreSuite(name: string, make: () => Promise<BlobStoreHarness>): void {
  describe(`BlobStore contract: ${name}`, () => {
    let h: BlobStoreHarness;
    beforeEach(async () => {
      h = await make();
    });
    afterEach(async () => {
      await h.cleanup();
    });

    describe('committed blobs', () => {
      it('stores a monolithic upload and serves it back', async () => {
        const data = randomBytes(100_000);
        const upload = await h.store.createUpload(randomUUID());
        expect(upload.size()).toBe(0);
        expect(await upload.append(streamOf(data))).toBe(data.length);
        expect(upload.size()).toBe(data.length);
        const info = await upload.commit(digestOf(data));
        expect(info).toEqual({ digest: digestOf(data), size: data.length });
        expect(await h.store.stat(digestOf(data))).toEqual(info);
        expectBytes(await readAll(await h.store.open(digestOf(data))), data);
      });

      it('stores an empty blob', async () => {
        const empty = new Uint8Array(0);
        const upload = await h.store.createUpload(randomUUID());
        expect(await upload.commit(digestOf(empty))).toEqual({ digest: digestOf(empty), size: 0 });
        expect(await readAll(await h.store.open(digestOf(empty)))).toHaveLength(0);
      });

      it('serves inclusive byte ranges', async () => {
        const data = randomBytes(5000);
        const digest = await putBlob(h.store, data);
        const range = async (start: number, end: number) =>
          readAll(await h.store.open(digest, { start, end }));
        expectBytes(await range(10, 19), data.subarray(10, 20));
        expectBytes(await range(0, 0), data.subarray(0, 1));
        expectBytes(await range(4999, 4999), data.subarray(4999));
        expectBytes(await range(0, 4999), data);
      });

      it('reports absent blobs', async () => {
        const digest = digestOf('never stored');
        expect(await h.store.stat(digest)).toBeUndefined();
        await expect(h.store.open(digest)).rejects.toBeInstanceOf(BlobNotFoundError);
        await expect(h.store.open(digest, { start: 0, end: 1 })).rejects.toBeInstanceOf(BlobNotFoundError);
      });

      it('deletes blobs, and deleting an absent blob is fine', async () => {
        const digest = await putBlob(h.store, Buffer.from('to be deleted'));
        await h.store.delete(digest);
        expect(await h.store.stat(digest)).toBeUndefined();
        await expect(h.store.open(digest)).rejects.toBeInstanceOf(BlobNotFoundError);
        await h.store.delete(digest);
      });

      it('accepts committing content that is already stored', async () => {
        const data = Buffer.from('same bytes twice');
        await putBlob(h.store, data);
        expect(await putBlob(h.store, data)).toBe(digestOf(data));
        expectBytes(await readAll(await h.store.open(digestOf(data))), data);
      });

      it('commits sha512 digests', async () => {
        const data = randomBytes(70_000);
        const upload = await h.store.createUpload(randomUUID());
        await upload.append(streamOf(data.subarray(0, 30_000)));
        await upload.append(streamOf(data.subarray(30_000)));
        const digest = digestOf(data, 'sha512');
        expect(await upload.commit(digest)).toEqual({ digest, size: data.length });
        expectBytes(await readAll(await h.store.open(digest)), data);
      });

      it('keeps blobs across a restart', async () => {
        const data = randomBytes(1000);
        const digest = await putBlob(h.store, data);
        const again = await h.reopen();
        expect(await again.stat(digest)).toEqual({ digest, size: 1000 });
        expectBytes(await readAll(await again.open(digest)), data);
      });

      it('counts used bytes when it can', async () => {
        if (!h.store.usedBytes) return;
        const before = await h.store.usedBytes();
        await putBlob(h.store, randomBytes(1234));
        await putBlob(h.store, randomBytes(766));
        expect(await h.store.usedBytes()).toBe(before + 2000);
      });
    });

    describe('uploads', () => {
      it('appends chunks in order', async () => {
        const parts = [randomBytes(10), randomBytes(65_536), randomBytes(1), randomBytes(200_000)];
        const upload = await h.store.createUpload(randomUUID());
        let expected = 0;
        for (const part of parts) {
          expected += part.length;
          expect(await upload.append(streamOf(part))).toBe(expected);
        }
        const all = Buffer.concat(parts);
        expect(await upload.commit(digestOf(all))).toEqual({ digest: digestOf(all), size: all.length });
        expectBytes(await readAll(await h.store.open(digestOf(all))), all);
      });

      it('accepts multi-chunk streams in one append', async () => {
        const parts = Array.from({ length: 50 }, () => randomBytes(3000));
        const upload = await h.store.createUpload(randomUUID());
        await upload.append(streamOf(...parts));
        const all = Buffer.concat(parts);
        expect((await upload.commit(digestOf(all))).size).toBe(150_000);
      });

      it('does not make a blob visible before commit', async () => {
        const data = randomBytes(500);
        const upload = await h.store.createUpload(randomUUID());
        await upload.append(streamOf(data));
        expect(await h.store.stat(digestOf(data))).toBeUndefined();
        await expect(h.store.open(digestOf(data))).rejects.toBeInstanceOf(BlobNotFoundError);
      });

      it('resumes after a restart, appends more and commits', async () => {
        const first = randomBytes(40_000);
        const second = randomBytes(25_000);
        const id = randomUUID();
        const upload = await h.store.createUpload(id);
        await upload.append(streamOf(first));
        const restarted = await h.reopen();
        const resumed = await restarted.resumeUpload(id);
        expect(resumed?.id).toBe(id);
        expect(resumed?.size()).toBe(first.length);
        await resumed?.append(streamOf(second));
        const all = Buffer.concat([first, second]);
        expect(await resumed?.commit(digestOf(all))).toEqual({ digest: digestOf(all), size: all.length });
        expectBytes(await readAll(await restarted.open(digestOf(all))), all);
      });

      it('returns undefined when resuming an unknown upload', async () => {
        expect(await h.store.resumeUpload(randomUUID())).toBeUndefined();
      });

      it('rejects upload ids that are not UUIDs', async () => {
        for (const id of ['../../etc/passwd', '..', '', 'a/b', 'not-a-uuid', `${randomUUID()}/x`]) {
          await expect(h.store.createUpload(id)).rejects.toThrow();
          await expect(h.store.resumeUpload(id)).rejects.toThrow();
        }
      });

      it('removes the upload and stores nothing on a digest mismatch', async () => {
        const data = randomBytes(2000);
        const id = randomUUID();
        const upload = await h.store.createUpload(id);
        await upload.append(streamOf(data));
        const wrong = digestOf('something else');
        const err = await upload.commit(wrong).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(DigestMismatchError);
        expect(err).toMatchObject({ expected: wrong, actual: digestOf(data) });
        expect(await h.store.stat(wrong)).toBeUndefined();
        expect(await h.store.stat(digestOf(data))).toBeUndefined();
        expect(await h.store.resumeUpload(id)).toBeUndefined();
      });

      it('reports a sha512 mismatch with the sha512 of the content', async () => {
        const upload = await h.store.createUpload(randomUUID());
        await upload.append(streamOf(Buffer.from('abc')));
        const wrong = digestOf('abd', 'sha512');
        await expect(upload.commit(wrong)).rejects.toMatchObject({ actual: digestOf('abc', 'sha512') });
      });

      it('truncates back when the stream fails mid-append, and stays usable', async () => {
        const first = randomBytes(1000);
        const second = randomBytes(3000);
        const id = randomUUID();
        const upload = await h.store.createUpload(id);
        await upload.append(streamOf(first));
        const boom = new Error('client went away');
        await expect(upload.append(failingStream(randomBytes(5000), boom))).rejects.toBe(boom);
        expect(upload.size()).toBe(first.length);
        expect((await h.store.resumeUpload(id))?.size()).toBe(first.length);
        await upload.append(streamOf(second));
        const all = Buffer.concat([first, second]);
        expect(await upload.commit(digestOf(all))).toEqual({ digest: digestOf(all), size: all.length });
      });

      it('honours an abort signal and truncates back', async () => {
        const first = randomBytes(100);
        const upload = await h.store.createUpload(randomUUID());
        await upload.append(streamOf(first));
        const controller = new AbortController();
        const slow = new Readable({ read() {} });
        slow.push(randomBytes(4096));
        const pending = upload.append(slow, { signal: controller.signal });
        setTimeout(() => controller.abort(), 20);
        await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
        expect(upload.size()).toBe(first.length);
        expect(await upload.commit(digestOf(first))).toEqual({ digest: digestOf(first), size: first.length });
      });

      it('refuses to go past maxBytes, truncating back', async () => {
        const first = randomBytes(10);
        const upload = await h.store.createUpload(randomUUID());
        await upload.append(streamOf(first));
        const tooLong = upload.append(streamOf(randomBytes(60), randomBytes(60)), { maxBytes: 100 });
        await expect(tooLong).rejects.toBeInstanceOf(UploadTooLargeError);
        expect(upload.size()).toBe(10);
        const exact = randomBytes(100);
        expect(
          await upload.append(streamOf(exact.subarray(0, 50), exact.subarray(50)), { maxBytes: 100 }),
        ).toBe(110);
        const all = Buffer.concat([first, exact]);
        expect((await upload.commit(digestOf(all))).size).toBe(110);
      });

      it('commits the same content from many concurrent uploads', async () => {
        const data = randomBytes(50_000);
        const uploads = await Promise.all(
          Array.from({ length: 16 }, () => h.store.createUpload(randomUUID())),
        );
        await Promise.all(uploads.map((u) => u.append(streamOf(data))));
        const results = await Promise.all(uploads.map((u) => u.commit(digestOf(data))));
        for (const r of results) expect(r).toEqual({ digest: digestOf(data), size: data.length });
        expectBytes(await readAll(await h.store.open(digestOf(data))), data);
      });

      it('cancel discards the upload and its bytes', async () => {
        const data = randomBytes(300);
        const id = randomUUID();
        const upload = await h.store.createUpload(id);
        await upload.append(streamOf(data));
        await upload.cancel();
        expect(await h.store.resumeUpload(id)).toBeUndefined();
        expect(await h.store.stat(digestOf(data))).toBeUndefined();
      });
    });
  });
}
