import { describe, expect, it } from 'vitest';
import { availableDialects } from '../helpers/dialects.js';
import {
  blob,
  DOCKER_LIST,
  DOCKER_MANIFEST,
  descriptor,
  jsonBlob,
  OCI_INDEX,
  OCI_MANIFEST,
  sha256,
} from '../helpers/oci.js';
import { errorCode } from '../helpers/registry-client.js';
import { useServer } from '../helpers/server.js';

const dialects = await availableDialects();

describe.each(dialects)('manifests over HTTP (%s)', (dialect) => {
  const ctx = useServer({ dialect });

  it('stores an OCI image manifest by tag and serves it by tag and by digest', async () => {
    const { manifest } = await ctx.v2.pushImage('app/web', 'v1');
    for (const ref of ['v1', manifest.digest]) {
      const r = await ctx.v2.fetch(`/v2/app/web/manifests/${ref}`, { headers: { accept: OCI_MANIFEST } });
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe(OCI_MANIFEST);
      expect(r.headers.get('docker-content-digest')).toBe(manifest.digest);
      expect(Buffer.from(await r.arrayBuffer()).equals(manifest.data)).toBe(true);
    }
    const head = await ctx.v2.fetch('/v2/app/web/manifests/v1', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(manifest.data.length));
    expect(head.headers.get('docker-content-digest')).toBe(manifest.digest);
  });

  it('answers a PUT with Location and Docker-Content-Digest', async () => {
    const config = jsonBlob({ os: 'linux' });
    await ctx.v2.pushBlob('app/put', config);
    const m = jsonBlob({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: descriptor(config, 'application/vnd.oci.image.config.v1+json'),
      layers: [],
    });
    const r = await ctx.v2.putManifest('app/put', 'latest', m);
    expect(r.status).toBe(201);
    expect(r.headers.get('docker-content-digest')).toBe(m.digest);
    expect(r.headers.get('location')).toBe(`/v2/app/put/manifests/${m.digest}`);
  });

  it('stores Docker schema 2 manifests and manifest lists, and OCI indexes', async () => {
    const config = jsonBlob({ os: 'linux', architecture: 'arm64' });
    const layer = blob(100);
    await ctx.v2.pushBlob('app/docker', config);
    await ctx.v2.pushBlob('app/docker', layer);
    const dm = jsonBlob({
      schemaVersion: 2,
      mediaType: DOCKER_MANIFEST,
      config: descriptor(config, 'application/vnd.docker.container.image.v1+json'),
      layers: [descriptor(layer, 'application/vnd.docker.image.rootfs.diff.tar.gzip')],
    });
    expect((await ctx.v2.putManifest('app/docker', 'arm64', dm, DOCKER_MANIFEST)).status).toBe(201);
    const platform = { architecture: 'arm64', os: 'linux' };
    const list = jsonBlob({
      schemaVersion: 2,
      mediaType: DOCKER_LIST,
      manifests: [descriptor(dm, DOCKER_MANIFEST, { platform })],
    });
    expect((await ctx.v2.putManifest('app/docker', 'multi', list, DOCKER_LIST)).status).toBe(201);
    const index = jsonBlob({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [descriptor(dm, DOCKER_MANIFEST, { platform })],
    });
    expect((await ctx.v2.putManifest('app/docker', 'oci-multi', index, OCI_INDEX)).status).toBe(201);
    const r = await ctx.v2.fetch('/v2/app/docker/manifests/multi', {
      headers: { accept: `${DOCKER_LIST}, ${OCI_INDEX}` },
    });
    expect(r.headers.get('content-type')).toBe(DOCKER_LIST);
  });

  it('refuses an index whose child manifest is not in the repository', async () => {
    const ghost = jsonBlob({ ghost: true });
    const index = jsonBlob({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [descriptor(ghost, OCI_MANIFEST)],
    });
    const r = await ctx.v2.putManifest('app/ghost', 'x', index, OCI_INDEX);
    expect(r.status).toBe(400);
    expect(await errorCode(r)).toBe('MANIFEST_BLOB_UNKNOWN');
  });

  it('refuses a manifest whose blobs are missing with MANIFEST_BLOB_UNKNOWN', async () => {
    const config = jsonBlob({ missing: true });
    const m = jsonBlob({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: descriptor(config, 'application/vnd.oci.image.config.v1+json'),
      layers: [],
    });
    const r = await ctx.v2.putManifest('app/missing', 'v1', m);
    expect(r.status).toBe(400);
    expect(await errorCode(r)).toBe('MANIFEST_BLOB_UNKNOWN');
    expect((await ctx.v2.fetch('/v2/app/missing/manifests/v1')).status).toBe(404);
  });

  it('accepts artifact manifests with an artifactType and a custom config type', async () => {
    const empty = jsonBlob({});
    const payload = blob(64);
    await ctx.v2.pushBlob('app/artifact', empty);
    await ctx.v2.pushBlob('app/artifact', payload);
    const m = jsonBlob({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: 'application/vnd.example.thing.v1',
      config: descriptor(empty, 'application/vnd.oci.empty.v1+json'),
      layers: [descriptor(payload, 'application/vnd.example.payload')],
    });
    expect((await ctx.v2.putManifest('app/artifact', 'thing', m)).status).toBe(201);
  });

  it('moves a tag and serves the new manifest at once', async () => {
    await ctx.v2.pushImage('app/move', 'stable');
    await ctx.v2.fetch('/v2/app/move/manifests/stable');
    const second = await ctx.v2.pushImage('app/move', 'stable');
    const r = await ctx.v2.fetch('/v2/app/move/manifests/stable');
    expect(r.headers.get('docker-content-digest')).toBe(second.manifest.digest);
  });

  it('pushes by digest and refuses a digest that does not match the body', async () => {
    const { manifest } = await ctx.v2.pushImage('app/bydigest', 'tmp');
    expect((await ctx.v2.putManifest('app/bydigest', manifest.digest, manifest)).status).toBe(201);
    const r = await ctx.v2.putManifest('app/bydigest', sha256('other'), manifest);
    expect(r.status).toBe(400);
    expect(await errorCode(r)).toBe('DIGEST_INVALID');
  });

  it('deletes a tag without deleting the manifest, and a manifest with its tags', async () => {
    const { manifest } = await ctx.v2.pushImage('app/delete', 'a');
    await ctx.v2.putManifest('app/delete', 'b', manifest);
    expect((await ctx.v2.fetch('/v2/app/delete/manifests/a', { method: 'DELETE' })).status).toBe(202);
    expect((await ctx.v2.fetch('/v2/app/delete/manifests/a')).status).toBe(404);
    expect((await ctx.v2.fetch(`/v2/app/delete/manifests/${manifest.digest}`)).status).toBe(200);
    expect(
      (await ctx.v2.fetch(`/v2/app/delete/manifests/${manifest.digest}`, { method: 'DELETE' })).status,
    ).toBe(202);
    const gone = await ctx.v2.fetch('/v2/app/delete/manifests/b');
    expect(gone.status).toBe(404);
    expect(await errorCode(gone)).toBe('MANIFEST_UNKNOWN');
    const again = await ctx.v2.fetch(`/v2/app/delete/manifests/${manifest.digest}`, { method: 'DELETE' });
    expect(again.status).toBe(404);
  });

  it('negotiates on Accept: a client that accepts only Docker types does not get an OCI manifest', async () => {
    await ctx.v2.pushImage('app/accept', 'v1');
    const r = await ctx.v2.fetch('/v2/app/accept/manifests/v1', { headers: { accept: DOCKER_MANIFEST } });
    expect(r.status).toBe(404);
    expect(await errorCode(r)).toBe('MANIFEST_UNKNOWN');
    const any = await ctx.v2.fetch('/v2/app/accept/manifests/v1', { headers: { accept: '*/*' } });
    expect(any.status).toBe(200);
  });

  it('records subjects: OCI-Subject on PUT and the referrers API, even when the subject comes later', async () => {
    const subjectImage = await ctx.v2.pushImage('app/refs', 'base-unpushed-later');
    const empty = jsonBlob({});
    await ctx.v2.pushBlob('app/refs', empty);
    const subject = descriptor(subjectImage.manifest, OCI_MANIFEST);
    const makeReferrer = (artifactType: string, n: number) => {
      const layer = jsonBlob({ n, artifactType });
      return {
        layer,
        manifest: jsonBlob({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          artifactType,
          config: descriptor(empty, 'application/vnd.oci.empty.v1+json'),
          layers: [descriptor(layer, 'application/vnd.example.data')],
          subject,
          annotations: { 'org.example.n': String(n) },
        }),
      };
    };
    const sig = makeReferrer('application/vnd.example.sig', 1);
    const sbom = makeReferrer('application/spdx+json', 2);
    for (const r of [sig, sbom]) {
      await ctx.v2.pushBlob('app/refs', r.layer);
      const put = await ctx.v2.putManifest('app/refs', r.manifest.digest, r.manifest);
      expect(put.status).toBe(201);
      expect(put.headers.get('oci-subject')).toBe(subjectImage.manifest.digest);
    }
    const all = await ctx.v2.fetch(`/v2/app/refs/referrers/${subjectImage.manifest.digest}`);
    expect(all.status).toBe(200);
    expect(all.headers.get('content-type')).toBe(OCI_INDEX);
    const index = (await all.json()) as {
      manifests: { digest: string; artifactType: string; annotations: Record<string, string> }[];
    };
    expect(index.manifests.map((m) => m.digest).sort()).toEqual(
      [sig.manifest.digest, sbom.manifest.digest].sort(),
    );
    expect(index.manifests.find((m) => m.digest === sig.manifest.digest)?.annotations['org.example.n']).toBe(
      '1',
    );
    const filtered = await ctx.v2.fetch(
      `/v2/app/refs/referrers/${subjectImage.manifest.digest}?artifactType=application/spdx%2Bjson`,
    );
    expect(filtered.headers.get('oci-filters-applied')).toBe('artifactType');
    const f = (await filtered.json()) as { manifests: { digest: string }[] };
    expect(f.manifests.map((m) => m.digest)).toEqual([sbom.manifest.digest]);
    // A referrer whose subject is not (yet) in the repository is accepted and listed.
    const orphanSubject = sha256('not pushed yet');
    const late = jsonBlob({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: 'application/vnd.example.sig',
      config: descriptor(empty, 'application/vnd.oci.empty.v1+json'),
      layers: [],
      subject: { mediaType: OCI_MANIFEST, digest: orphanSubject, size: 10 },
    });
    expect((await ctx.v2.putManifest('app/refs', late.digest, late)).status).toBe(201);
    const lateList = (await (await ctx.v2.fetch(`/v2/app/refs/referrers/${orphanSubject}`)).json()) as {
      manifests: { digest: string }[];
    };
    expect(lateList.manifests.map((m) => m.digest)).toEqual([late.digest]);
    const none = (await (await ctx.v2.fetch(`/v2/app/refs/referrers/${sha256('nothing')}`)).json()) as {
      manifests: unknown[];
    };
    expect(none.manifests).toEqual([]);
  });
});

describe.each(dialects)('tags and catalog pagination (%s)', (dialect) => {
  const ctx = useServer({ dialect });

  it('lists tags in lexical order with n/last and a Link header', async () => {
    const { manifest } = await ctx.v2.pushImage('page/repo', 'b');
    for (const t of ['a', 'C', '_z', 'a.1', 'c']) await ctx.v2.putManifest('page/repo', t, manifest);
    const all = (await (await ctx.v2.fetch('/v2/page/repo/tags/list')).json()) as {
      name: string;
      tags: string[];
    };
    expect(all).toEqual({ name: 'page/repo', tags: ['C', '_z', 'a', 'a.1', 'b', 'c'] });
    const first = await ctx.v2.fetch('/v2/page/repo/tags/list?n=2');
    expect(((await first.json()) as { tags: string[] }).tags).toEqual(['C', '_z']);
    expect(first.headers.get('link')).toBe('</v2/page/repo/tags/list?n=2&last=_z>; rel="next"');
    const next = (await (await ctx.v2.fetch('/v2/page/repo/tags/list?n=2&last=_z')).json()) as {
      tags: string[];
    };
    expect(next.tags).toEqual(['a', 'a.1']);
    const end = await ctx.v2.fetch('/v2/page/repo/tags/list?n=2&last=a.1');
    expect(((await end.json()) as { tags: string[] }).tags).toEqual(['b', 'c']);
    expect(end.headers.get('link')).toBeNull();
  });

  it('answers NAME_UNKNOWN for tags of an unknown repository', async () => {
    const r = await ctx.v2.fetch('/v2/page/nothing/tags/list');
    expect(r.status).toBe(404);
    expect(await errorCode(r)).toBe('NAME_UNKNOWN');
  });

  it('pages the catalog', async () => {
    for (const name of ['cat/a', 'cat/b', 'cat/c']) await ctx.v2.pushImage(name, 'v1');
    const first = await ctx.v2.fetch('/v2/_catalog?n=2');
    const body = (await first.json()) as { repositories: string[] };
    expect(body.repositories).toHaveLength(2);
    const link = first.headers.get('link') ?? '';
    expect(link).toMatch(/^<\/v2\/_catalog\?n=2&last=.+>; rel="next"$/);
    const rest = (await (await ctx.v2.fetch(link.slice(1, link.indexOf('>')))).json()) as {
      repositories: string[];
    };
    const all = (await (await ctx.v2.fetch('/v2/_catalog')).json()) as { repositories: string[] };
    expect([...body.repositories, ...rest.repositories].slice(0, all.repositories.length)).toEqual(
      all.repositories.slice(0, body.repositories.length + rest.repositories.length),
    );
    expect(all.repositories).toEqual(expect.arrayContaining(['cat/a', 'cat/b', 'cat/c']));
  });
});
