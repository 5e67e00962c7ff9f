import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Digest, digestOf } from '../../src/oci/digest.js';
import type { ManifestRecord, ManifestRef, MetaStore } from '../../src/ports/meta-store.js';

export interface OpenedMetaStore {
  meta: MetaStore;
  /** Closes `meta` and removes the database. */
  cleanup: () => Promise<void>;
  /** Opens another store over the same database (a restart, or a second replica); the test closes it. */
  reopen?: () => Promise<MetaStore>;
  /** Reads the stored reference edges of a manifest behind the store's back. */
  refCount?: (repoId: number, manifestDigest: Digest) => Promise<number>;
}

const IMAGE = 'application/vnd.oci.image.manifest.v1+json';
const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

function manifest(seed: string, extra: Partial<ManifestRecord> = {}): ManifestRecord {
  const body = Buffer.from(JSON.stringify({ schemaVersion: 2, seed }));
  return {
    digest: digestOf(body),
    mediaType: IMAGE,
    size: body.length,
    body,
    artifactType: null,
    subject: null,
    annotations: null,
    ...extra,
  };
}

/** Reads every page of `n` through `list`, following `last`. */
async function allPages(
  list: (last: string | undefined) => Promise<string[] | undefined>,
): Promise<string[]> {
  const out: string[] = [];
  for (let last: string | undefined; ; ) {
    const page = (await list(last)) ?? [];
    out.push(...page);
    if (page.length === 0) return out;
    last = page[page.length - 1];
  }
}

/**
 * The MetaStore contract, for every backend. Each test gets a fresh, empty database from `open`.
 */
export function metaStoreSuite(name: string, open: () => Promise<OpenedMetaStore>): void {
  describe(`MetaStore contract: ${name}`, () => {
    let store: OpenedMetaStore;
    let meta: MetaStore;

    beforeEach(async () => {
      store = await open();
      meta = store.meta;
    });
    afterEach(async () => {
      await store.cleanup();
    });

    async function linked(repo: string, ...seeds: string[]): Promise<{ repoId: number; digests: Digest[] }> {
      const r = await meta.repos.ensure(repo);
      const digests = seeds.map((s) => digestOf(s));
      for (const [i, d] of digests.entries()) {
        await meta.blobs.record(d, (seeds[i] ?? '').length);
        await meta.blobs.link(r.id, d);
      }
      return { repoId: r.id, digests };
    }

    describe('repositories', () => {
      it('get, ensure and ensure again', async () => {
        expect(await meta.repos.get('lib/app')).toBeUndefined();
        const a = await meta.repos.ensure('lib/app');
        expect(a).toEqual({ id: expect.any(Number), name: 'lib/app' });
        expect(await meta.repos.ensure('lib/app')).toEqual(a);
        expect(await meta.repos.get('lib/app')).toEqual(a);
        const b = await meta.repos.ensure('lib/other');
        expect(b.id).not.toBe(a.id);
      });

      it('16 concurrent ensures of a new name create one repository', async () => {
        const all = await Promise.all(Array.from({ length: 16 }, () => meta.repos.ensure('race/new')));
        expect(new Set(all.map((r) => r.id)).size).toBe(1);
        expect(await meta.repos.list({ n: 100 })).toEqual(['race/new']);
      });

      it('lists names in byte order with exclusive `last` and limit `n`', async () => {
        const names = ['a-b', 'a_b', 'a/b', 'ab', 'a0', 'b', 'a', 'a.b', '0', 'a__b', 'z/y'];
        for (const n of names) await meta.repos.ensure(n);
        const sorted = [...names].sort(byBytes);
        expect(await meta.repos.list({ n: 100 })).toEqual(sorted);
        expect(await meta.repos.list({ n: 3 })).toEqual(sorted.slice(0, 3));
        expect(await meta.repos.list({ last: 'a-b', n: 2 })).toEqual(
          sorted.slice(sorted.indexOf('a-b') + 1).slice(0, 2),
        );
        expect(await meta.repos.list({ last: 'a1', n: 100 })).toEqual(
          sorted.filter((s) => byBytes(s, 'a1') > 0),
        );
        expect(await meta.repos.list({ last: 'zzz', n: 5 })).toEqual([]);
        expect(
          await allPages((last) => meta.repos.list({ ...(last !== undefined ? { last } : {}), n: 2 })),
        ).toEqual(sorted);
      });
    });

    describe('blobs', () => {
      it('record is idempotent; get sees a recorded blob in any repository', async () => {
        const d = digestOf('layer');
        expect(await meta.blobs.get(d)).toBeUndefined();
        await meta.blobs.record(d, 5);
        await meta.blobs.record(d, 5);
        expect(await meta.blobs.get(d)).toEqual({ digest: d, size: 5 });
      });

      it('a blob is visible in a repository only once linked there', async () => {
        const d = digestOf('layer');
        const a = await meta.repos.ensure('a');
        await meta.repos.ensure('b');
        await meta.blobs.record(d, 5);
        expect(await meta.blobs.getLinked('a', d)).toBeUndefined();
        await meta.blobs.link(a.id, d);
        await meta.blobs.link(a.id, d);
        expect(await meta.blobs.getLinked('a', d)).toEqual({ digest: d, size: 5 });
        expect(await meta.blobs.getLinked('b', d)).toBeUndefined();
        expect(await meta.blobs.getLinked('nope', d)).toBeUndefined();
        expect(await meta.blobs.unlink(a.id, d)).toBe(true);
        expect(await meta.blobs.unlink(a.id, d)).toBe(false);
        expect(await meta.blobs.getLinked('a', d)).toBeUndefined();
        expect(await meta.blobs.get(d)).toEqual({ digest: d, size: 5 });
      });

      it('totalBytes sums recorded sizes, counting each blob once', async () => {
        expect(await meta.blobs.totalBytes()).toBe(0);
        await meta.blobs.record(digestOf('x'), 3_000_000_000);
        await meta.blobs.record(digestOf('y'), 7);
        await meta.blobs.record(digestOf('y'), 7);
        expect(await meta.blobs.totalBytes()).toBe(3_000_000_007);
        expect(await meta.blobs.get(digestOf('x'))).toEqual({ digest: digestOf('x'), size: 3_000_000_000 });
      });
    });

    describe('manifests', () => {
      it('put, then get by tag and by digest (one repository only)', async () => {
        const { repoId, digests } = await linked('lib/app', 'config', 'layer');
        const m = manifest('one', { annotations: '{"k":"v"}', artifactType: 'application/x.thing' });
        const refs: ManifestRef[] = [
          { digest: digests[0] as Digest, kind: 'config' },
          { digest: digests[1] as Digest, kind: 'layer' },
        ];
        expect(await meta.manifests.put(repoId, m, refs, 'v1')).toEqual({ previousTagDigest: undefined });
        const byTag = await meta.manifests.getByTag('lib/app', 'v1');
        expect(byTag).toEqual(m);
        expect(Buffer.isBuffer(byTag?.body)).toBe(true);
        expect(await meta.manifests.getByDigest('lib/app', m.digest)).toEqual(m);
        expect(await meta.manifests.getByTag('lib/app', 'v2')).toBeUndefined();
        expect(await meta.manifests.getByTag('lib/other', 'v1')).toBeUndefined();
        await meta.repos.ensure('lib/other');
        expect(await meta.manifests.getByDigest('lib/other', m.digest)).toBeUndefined();
        if (store.refCount) expect(await store.refCount(repoId, m.digest)).toBe(2);
      });

      it('put without a tag stores an untagged manifest', async () => {
        const { repoId } = await linked('r');
        const m = manifest('untagged');
        expect(await meta.manifests.put(repoId, m, [])).toEqual({ previousTagDigest: undefined });
        expect(await meta.manifests.getByDigest('r', m.digest)).toEqual(m);
        expect(await meta.tags.list('r', { n: 10 })).toEqual([]);
      });

      it('put of an existing digest keeps the first row and tolerates duplicate refs', async () => {
        const { repoId, digests } = await linked('r', 'l');
        const m = manifest('same');
        const ref: ManifestRef = { digest: digests[0] as Digest, kind: 'layer' };
        await meta.manifests.put(repoId, m, [ref, ref]);
        await meta.manifests.put(repoId, { ...m, mediaType: 'other/type', annotations: '{}' }, [ref], 't');
        expect(await meta.manifests.getByDigest('r', m.digest)).toEqual(m);
        expect(await meta.manifests.getByTag('r', 't')).toEqual(m);
      });

      it('16 concurrent puts of the same manifest and tag all succeed', async () => {
        const { repoId, digests } = await linked('r', 'l1', 'l2');
        const m = manifest('concurrent');
        const refs = digests.map((digest): ManifestRef => ({ digest, kind: 'layer' }));
        const results = await Promise.all(
          Array.from({ length: 16 }, () => meta.manifests.put(repoId, m, refs, 'latest')),
        );
        expect(results.every((r) => r.previousTagDigest === undefined)).toBe(true);
        expect(await meta.manifests.getByTag('r', 'latest')).toEqual(m);
        expect(await meta.tags.list('r', { n: 10 })).toEqual(['latest']);
      });

      it('16 concurrent puts of different manifests to one tag form one chain of moves', async () => {
        const { repoId } = await linked('r');
        const ms = Array.from({ length: 16 }, (_, i) => manifest(`m${i}`));
        const results = await Promise.all(ms.map((m) => meta.manifests.put(repoId, m, [], 'latest')));
        const previous = results.map((r) => r.previousTagDigest);
        expect(previous.filter((p) => p === undefined)).toHaveLength(1);
        const moved = previous.filter((p): p is Digest => p !== undefined);
        expect(new Set(moved).size).toBe(15);
        const final = await meta.manifests.getByTag('r', 'latest');
        expect(moved).not.toContain(final?.digest);
      });

      it('moving a tag returns the digest it pointed at before', async () => {
        const { repoId } = await linked('r');
        const a = manifest('a');
        const b = manifest('b');
        expect(await meta.manifests.put(repoId, a, [], 't')).toEqual({ previousTagDigest: undefined });
        expect(await meta.manifests.put(repoId, a, [], 't')).toEqual({ previousTagDigest: undefined });
        expect(await meta.manifests.put(repoId, b, [], 't')).toEqual({ previousTagDigest: a.digest });
        expect(await meta.manifests.put(repoId, b, [], 't')).toEqual({ previousTagDigest: undefined });
        expect((await meta.manifests.getByTag('r', 't'))?.digest).toBe(b.digest);
        expect(await meta.manifests.getByDigest('r', a.digest)).toEqual(a);
      });

      it('missing: blobs must be linked and manifests stored in that repository', async () => {
        const { repoId, digests } = await linked('r', 'here');
        const { digests: elsewhere } = await linked('other', 'there');
        const child = manifest('child');
        await meta.manifests.put(repoId, child, []);
        const here = digests[0] as Digest;
        const there = elsewhere[0] as Digest;
        const absent = digestOf('absent');
        expect(await meta.manifests.missing(repoId, [], [])).toEqual([]);
        expect(await meta.manifests.missing(repoId, [here], [child.digest])).toEqual([]);
        expect(await meta.manifests.missing(repoId, [here, there, absent, there], [])).toEqual([
          there,
          absent,
        ]);
        // A manifest digest is not a linked blob, and a blob is not a stored manifest.
        expect(await meta.manifests.missing(repoId, [child.digest], [here])).toEqual([child.digest, here]);
        expect(await meta.manifests.missing(repoId, [], [absent, child.digest, absent])).toEqual([absent]);
        const many = Array.from({ length: 1200 }, (_, i) => digestOf(`many${i}`));
        expect(await meta.manifests.missing(repoId, [...many, here], many)).toEqual(many);
      });

      it('delete removes the manifest, its edges and its tags, returning the tags', async () => {
        const { repoId, digests } = await linked('r', 'cfg');
        const m = manifest('doomed');
        const keep = manifest('kept');
        const refs: ManifestRef[] = [{ digest: digests[0] as Digest, kind: 'config' }];
        await meta.manifests.put(repoId, m, refs, 'b');
        await meta.manifests.put(repoId, m, refs, 'a');
        await meta.manifests.put(repoId, keep, refs, 'c');
        expect(await meta.manifests.delete(repoId, m.digest)).toEqual(['a', 'b']);
        expect(await meta.manifests.getByDigest('r', m.digest)).toBeUndefined();
        expect(await meta.manifests.getByTag('r', 'a')).toBeUndefined();
        expect(await meta.tags.list('r', { n: 10 })).toEqual(['c']);
        expect(await meta.manifests.getByTag('r', 'c')).toEqual(keep);
        if (store.refCount) {
          expect(await store.refCount(repoId, m.digest)).toBe(0);
          expect(await store.refCount(repoId, keep.digest)).toBe(1);
        }
        expect(await meta.manifests.delete(repoId, m.digest)).toBeUndefined();
        expect(await meta.manifests.delete(repoId, keep.digest)).toEqual(['c']);
        const untagged = manifest('untagged');
        await meta.manifests.put(repoId, untagged, []);
        expect(await meta.manifests.delete(repoId, untagged.digest)).toEqual([]);
      });

      it('a deleted manifest can be pushed again', async () => {
        const { repoId } = await linked('r');
        const m = manifest('again');
        await meta.manifests.put(repoId, m, [], 't');
        await meta.manifests.delete(repoId, m.digest);
        expect(await meta.manifests.put(repoId, m, [], 't')).toEqual({ previousTagDigest: undefined });
        expect(await meta.manifests.getByTag('r', 't')).toEqual(m);
      });
    });

    describe('referrers', () => {
      it('lists manifests with a subject in digest order, optionally by artifactType', async () => {
        const { repoId } = await linked('r');
        const { repoId: otherId } = await linked('other');
        const subject = manifest('subject');
        await meta.manifests.put(repoId, subject, [], 'v1');
        const refer = (seed: string, artifactType: string, annotations: string | null) =>
          manifest(seed, { subject: subject.digest, artifactType, annotations });
        const sig = refer('sig', 'application/x.sig', '{"org.opencontainers.image.created":"2024"}');
        const sbom = refer('sbom', 'application/x.sbom', null);
        const sig2 = refer('sig2', 'application/x.sig', null);
        for (const m of [sig, sbom, sig2]) {
          await meta.manifests.put(repoId, m, [{ digest: subject.digest, kind: 'subject' }]);
        }
        await meta.manifests.put(otherId, refer('elsewhere', 'application/x.sig', null), []);
        const view = (m: ManifestRecord) => ({
          digest: m.digest,
          mediaType: m.mediaType,
          size: m.size,
          artifactType: m.artifactType,
          annotations: m.annotations,
        });
        const all = [sig, sbom, sig2].sort((a, b) => byBytes(a.digest, b.digest)).map(view);
        expect(await meta.manifests.referrers(repoId, subject.digest)).toEqual(all);
        expect(await meta.manifests.referrers(repoId, subject.digest, 'application/x.sig')).toEqual(
          all.filter((r) => r.artifactType === 'application/x.sig'),
        );
        expect(await meta.manifests.referrers(repoId, subject.digest, 'application/none')).toEqual([]);
        expect(await meta.manifests.referrers(repoId, digestOf('no subject'))).toEqual([]);
        await meta.manifests.delete(repoId, sbom.digest);
        expect(await meta.manifests.referrers(repoId, subject.digest)).toHaveLength(2);
      });
    });

    describe('tags', () => {
      it('list is undefined for an unknown repository and [] for one without tags', async () => {
        expect(await meta.tags.list('nope', { n: 10 })).toBeUndefined();
        expect(await meta.tags.list('nope', { n: 0 })).toBeUndefined();
        await meta.repos.ensure('empty');
        expect(await meta.tags.list('empty', { n: 10 })).toEqual([]);
        expect(await meta.tags.list('empty', { n: 0 })).toEqual([]);
        expect(await meta.tags.list('empty', { last: 'x', n: 10 })).toEqual([]);
      });

      it('lists tags in byte order, paginated with exclusive `last`', async () => {
        const { repoId } = await linked('r');
        const m = manifest('tagged');
        const names = ['Z', 'a', '_x', 'a-b', 'a_b', 'aB', 'ab', 'a.b', '1', 'A', 'latest', 'v1.0'];
        for (const t of names) await meta.manifests.put(repoId, m, [], t);
        const sorted = [...names].sort(byBytes);
        expect(sorted.slice(0, 4)).toEqual(['1', 'A', 'Z', '_x']);
        expect(await meta.tags.list('r', { n: 100 })).toEqual(sorted);
        expect(await meta.tags.list('r', { n: 3 })).toEqual(sorted.slice(0, 3));
        expect(await meta.tags.list('r', { last: 'Z', n: 2 })).toEqual(['_x', 'a']);
        expect(await meta.tags.list('r', { last: 'aB', n: 100 })).toEqual(
          sorted.slice(sorted.indexOf('aB') + 1),
        );
        expect(await meta.tags.list('r', { last: 'zzz', n: 10 })).toEqual([]);
        expect(
          await allPages((last) => meta.tags.list('r', { ...(last !== undefined ? { last } : {}), n: 5 })),
        ).toEqual(sorted);
      });

      it('delete removes only the tag', async () => {
        const { repoId } = await linked('r');
        const m = manifest('m');
        await meta.manifests.put(repoId, m, [], 't');
        expect(await meta.tags.delete(repoId, 't')).toBe(true);
        expect(await meta.tags.delete(repoId, 't')).toBe(false);
        expect(await meta.manifests.getByTag('r', 't')).toBeUndefined();
        expect(await meta.manifests.getByDigest('r', m.digest)).toEqual(m);
        expect(await meta.tags.list('r', { n: 10 })).toEqual([]);
      });
    });

    describe('uploads', () => {
      it('create, get, setOffset, delete and count', async () => {
        const r = await meta.repos.ensure('lib/app');
        const before = Date.now();
        expect(await meta.uploads.count()).toBe(0);
        await meta.uploads.create('u1', r.id);
        const u = await meta.uploads.get('u1');
        expect(u).toEqual({
          id: 'u1',
          repoId: r.id,
          repoName: 'lib/app',
          offset: 0,
          startedAt: expect.any(Date),
          updatedAt: expect.any(Date),
        });
        expect(u?.startedAt.getTime()).toBeGreaterThanOrEqual(before);
        expect(u?.startedAt.getTime()).toBeLessThanOrEqual(Date.now());
        await new Promise((r) => setTimeout(r, 5));
        await meta.uploads.setOffset('u1', 5_000_000_000);
        const v = await meta.uploads.get('u1');
        expect(v?.offset).toBe(5_000_000_000);
        expect(v?.startedAt).toEqual(u?.startedAt);
        expect(v?.updatedAt.getTime()).toBeGreaterThan(u?.updatedAt.getTime() ?? Number.POSITIVE_INFINITY);
        await meta.uploads.create('u2', r.id);
        expect(await meta.uploads.count()).toBe(2);
        await meta.uploads.delete('u1');
        await meta.uploads.delete('u1');
        expect(await meta.uploads.get('u1')).toBeUndefined();
        expect(await meta.uploads.count()).toBe(1);
        expect(await meta.uploads.get('never')).toBeUndefined();
      });

      it('expired lists sessions not updated since the cutoff', async () => {
        const r = await meta.repos.ensure('r');
        await meta.uploads.create('stale', r.id);
        await meta.uploads.create('busy', r.id);
        await new Promise((res) => setTimeout(res, 5));
        const cutoff = new Date();
        await new Promise((res) => setTimeout(res, 5));
        await meta.uploads.setOffset('busy', 10);
        await meta.uploads.create('fresh', r.id);
        expect(await meta.uploads.expired(cutoff)).toEqual(['stale']);
        expect(await meta.uploads.expired(new Date(0))).toEqual([]);
        expect((await meta.uploads.expired(new Date(Date.now() + 60_000))).sort()).toEqual([
          'busy',
          'fresh',
          'stale',
        ]);
      });
    });

    describe('lifecycle', () => {
      it('ping answers; close is idempotent', async () => {
        await expect(meta.ping()).resolves.toBeUndefined();
      });

      it('data survives closing and reopening; reopening an up-to-date schema is a no-op', async (ctx) => {
        if (!store.reopen) return ctx.skip();
        const { repoId } = await linked('persist', 'layer');
        const m = manifest('persisted');
        await meta.manifests.put(repoId, m, [], 'v1');
        await meta.uploads.create('u', repoId);
        const second = await store.reopen();
        expect(await second.manifests.getByTag('persist', 'v1')).toEqual(m);
        await second.close();
        await meta.close();
        await meta.close();
        const third = await store.reopen();
        try {
          expect(third.dialect).toBe(meta.dialect);
          expect(await third.manifests.getByTag('persist', 'v1')).toEqual(m);
          expect(await third.blobs.getLinked('persist', digestOf('layer'))).toEqual({
            digest: digestOf('layer'),
            size: 5,
          });
          expect((await third.uploads.get('u'))?.repoName).toBe('persist');
          expect(await third.repos.ensure('persist')).toEqual({ id: repoId, name: 'persist' });
          expect((await third.repos.ensure('next')).id).not.toBe(repoId);
        } finally {
          await third.close();
        }
      });
    });
  });
}
