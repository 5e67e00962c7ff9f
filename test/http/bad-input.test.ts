import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blob, descriptor, jsonBlob, OCI_INDEX, OCI_MANIFEST, sha256 } from '../helpers/oci.js';
import { rawRequest } from '../helpers/raw-http.js';
import { V2 } from '../helpers/registry-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

interface Case {
  name: string;
  method?: string;
  path: string;
  body?: Buffer | string;
  headers?: Record<string, string>;
  status: number;
  code: string;
}

const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
const okConfig = jsonBlob({ os: 'linux', fixture: 'bad-input' });
const manifestWith = (extra: Record<string, unknown>) =>
  JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: descriptor(okConfig, 'application/vnd.oci.image.config.v1+json'),
    layers: [],
    ...extra,
  });

const cases: Case[] = [
  { name: 'uppercase repository name', path: '/v2/Bad/Name/tags/list', status: 400, code: 'NAME_INVALID' },
  { name: 'path traversal in name', path: '/v2/a/../../etc/tags/list', status: 400, code: 'NAME_INVALID' },
  { name: 'encoded traversal in name', path: '/v2/a/%2e%2e/b/tags/list', status: 400, code: 'NAME_INVALID' },
  { name: 'name with trailing separator', path: '/v2/a-/tags/list', status: 400, code: 'NAME_INVALID' },
  { name: 'overlong name', path: `/v2/${'a'.repeat(300)}/tags/list`, status: 400, code: 'NAME_INVALID' },
  { name: 'malformed blob digest', path: '/v2/ok/blobs/sha256:xyz', status: 400, code: 'DIGEST_INVALID' },
  {
    name: 'unsupported digest algorithm',
    path: '/v2/ok/blobs/md5:d41d8cd98f00b204e9800998ecf8427e',
    status: 400,
    code: 'DIGEST_INVALID',
  },
  {
    name: 'short sha256 digest',
    path: `/v2/ok/blobs/sha256:${'a'.repeat(63)}`,
    status: 400,
    code: 'DIGEST_INVALID',
  },
  { name: 'unknown blob', path: `/v2/ok/blobs/${sha256('none')}`, status: 404, code: 'BLOB_UNKNOWN' },
  { name: 'unknown manifest tag', path: '/v2/ok/manifests/nope', status: 404, code: 'MANIFEST_UNKNOWN' },
  {
    name: 'invalid manifest reference',
    path: '/v2/ok/manifests/-bad',
    status: 404,
    code: 'MANIFEST_UNKNOWN',
  },
  {
    name: 'malformed range',
    path: '/v2/ok/blobs/DIGEST',
    headers: { range: 'bytes=abc' },
    status: 416,
    code: 'RANGE_INVALID',
  },
  {
    name: 'reversed range',
    path: '/v2/ok/blobs/DIGEST',
    headers: { range: 'bytes=50-10' },
    status: 416,
    code: 'RANGE_INVALID',
  },
  {
    name: 'unknown upload id',
    method: 'PATCH',
    path: '/v2/ok/blobs/uploads/00000000-0000-0000-0000-000000000000',
    body: 'x',
    status: 404,
    code: 'BLOB_UPLOAD_UNKNOWN',
  },
  {
    name: 'traversal as upload id',
    method: 'PATCH',
    path: '/v2/ok/blobs/uploads/..%2f..%2fetc',
    body: 'x',
    status: 404,
    code: 'BLOB_UPLOAD_UNKNOWN',
  },
  {
    name: 'PUT upload without digest',
    method: 'PUT',
    path: '/v2/ok/blobs/uploads/UPLOAD',
    status: 400,
    code: 'DIGEST_INVALID',
  },
  {
    name: 'malformed Content-Range',
    method: 'PATCH',
    path: '/v2/ok/blobs/uploads/UPLOAD',
    body: 'abc',
    headers: { 'content-range': 'zz' },
    status: 416,
    code: 'BLOB_UPLOAD_INVALID',
  },
  {
    name: 'Content-Range disagrees with body length',
    method: 'PATCH',
    path: '/v2/ok/blobs/uploads/UPLOAD',
    body: 'abc',
    headers: { 'content-range': '0-9' },
    status: 400,
    code: 'SIZE_INVALID',
  },
  {
    name: 'manifest: invalid JSON',
    method: 'PUT',
    path: '/v2/ok/manifests/t',
    body: '{not json',
    headers: { 'content-type': OCI_MANIFEST },
    status: 400,
    code: 'MANIFEST_INVALID',
  },
  {
    name: 'manifest: JSON array',
    method: 'PUT',
    path: '/v2/ok/manifests/t',
    body: '[]',
    headers: { 'content-type': OCI_MANIFEST },
    status: 400,
    code: 'MANIFEST_INVALID',
  },
  {
    name: 'manifest: deep nesting',
    method: 'PUT',
    path: '/v2/ok/manifests/t',
    body: deep(100_000),
    headers: { 'content-type': OCI_MANIFEST },
    status: 400,
    code: 'MANIFEST_INVALID',
  },
  {
    name: 'manifest: schemaVersion 1',
    method: 'PUT',
    path: '/v2/ok/manifests/t',
    body: manifestWith({ schemaVersion: 1 }),
    headers: { 'content-type': OCI_MANIFEST },
    status: 400,
    code: 'MANIFEST_INVALID',
  },
  {
    name: 'manifest: media type mismatch',
    method: 'PUT',
    path: '/v2/ok/manifests/t',
    body: manifestWith({}),
    headers: { 'content-type': OCI_INDEX },
    status: 400,
    code: 'MANIFEST_INVALID',
  },
  {
    name: 'manifest: unsupported media type',
    method: 'PUT',
    path: '/v2/ok/manifests/t',
    body: manifestWith({ mediaType: 'application/vnd.docker.distribution.manifest.v1+prettyjws' }),
    status: 400,
    code: 'MANIFEST_INVALID',
  },
  {
    name: 'manifest: bad config digest',
    method: 'PUT',
    path: '/v2/ok/manifests/t',
    body: manifestWith({ config: { mediaType: 'a/b', digest: 'sha256:zz', size: 1 } }),
    headers: { 'content-type': OCI_MANIFEST },
    status: 400,
    code: 'MANIFEST_INVALID',
  },
  {
    name: 'manifest: negative size',
    method: 'PUT',
    path: '/v2/ok/manifests/t',
    body: manifestWith({ layers: [{ mediaType: 'a/b', digest: okConfig.digest, size: -1 }] }),
    headers: { 'content-type': OCI_MANIFEST },
    status: 400,
    code: 'MANIFEST_INVALID',
  },
  {
    name: 'manifest: layers not an array',
    method: 'PUT',
    path: '/v2/ok/manifests/t',
    body: manifestWith({ layers: {} }),
    headers: { 'content-type': OCI_MANIFEST },
    status: 400,
    code: 'MANIFEST_INVALID',
  },
  {
    name: 'manifest: missing layer blob',
    method: 'PUT',
    path: '/v2/ok/manifests/t',
    body: manifestWith({ layers: [descriptor(blob(5), 'a/b')] }),
    headers: { 'content-type': OCI_MANIFEST },
    status: 400,
    code: 'MANIFEST_BLOB_UNKNOWN',
  },
  {
    name: 'manifest: index without manifests',
    method: 'PUT',
    path: '/v2/ok/manifests/t',
    body: JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX }),
    headers: { 'content-type': OCI_INDEX },
    status: 400,
    code: 'MANIFEST_INVALID',
  },
  {
    name: 'manifest: oversize',
    method: 'PUT',
    path: '/v2/ok/manifests/t',
    body: Buffer.alloc(4 * 1024 * 1024 + 1, 0x20),
    headers: { 'content-type': OCI_MANIFEST },
    status: 413,
    code: 'MANIFEST_INVALID',
  },
  {
    name: 'manifest: invalid tag',
    method: 'PUT',
    path: `/v2/ok/manifests/${'t'.repeat(129)}`,
    body: manifestWith({}),
    headers: { 'content-type': OCI_MANIFEST },
    status: 400,
    code: 'MANIFEST_INVALID',
  },
  {
    name: 'manifest: malformed digest reference',
    method: 'PUT',
    path: '/v2/ok/manifests/sha256:abc',
    body: manifestWith({}),
    headers: { 'content-type': OCI_MANIFEST },
    status: 400,
    code: 'DIGEST_INVALID',
  },
  { name: 'tags: bad n', path: '/v2/ok/tags/list?n=-1', status: 400, code: 'WHARF_ERR_REQUEST_INVALID' },
  { name: 'referrers: bad digest', path: '/v2/ok/referrers/notadigest', status: 400, code: 'DIGEST_INVALID' },
  {
    name: 'method not allowed',
    method: 'PATCH',
    path: '/v2/ok/manifests/t',
    body: 'x',
    status: 405,
    code: 'UNSUPPORTED',
  },
  { name: 'unknown endpoint', path: '/v2/ok/unknown/thing', status: 404, code: 'WHARF_ERR_NOT_FOUND' },
  {
    name: 'mount with bad digest',
    method: 'POST',
    path: '/v2/ok/blobs/uploads/?mount=bad&from=other',
    status: 400,
    code: 'DIGEST_INVALID',
  },
  {
    name: 'mount from invalid name',
    method: 'POST',
    path: `/v2/ok/blobs/uploads/?mount=${sha256('x')}&from=../x`,
    status: 400,
    code: 'NAME_INVALID',
  },
];

describe('malformed requests get the spec error, never a 5xx', () => {
  let server: TestServer;
  let v2: V2;
  let storedDigest: string;
  beforeAll(async () => {
    server = await startTestServer();
    v2 = new V2(server.url);
    const b = blob(100);
    await v2.pushBlob('ok', b);
    await v2.pushBlob('ok', okConfig);
    storedDigest = b.digest;
  });
  afterAll(() => server.stop());

  it.each(cases)('$name → $status $code', async (c) => {
    let path = c.path.replace('DIGEST', storedDigest);
    if (path.includes('UPLOAD')) {
      const r = await v2.fetch('/v2/ok/blobs/uploads/', { method: 'POST' });
      path = path.replace('/v2/ok/blobs/uploads/UPLOAD', r.headers.get('location') ?? '');
    }
    const r = await rawRequest(server.url, {
      path,
      ...(c.method ? { method: c.method } : {}),
      ...(c.headers ? { headers: c.headers } : {}),
      ...(c.body !== undefined ? { body: c.body } : {}),
    });
    const body = JSON.parse(r.body.toString()) as { errors: { code: string; message: string }[] };
    expect({ status: r.status, code: body.errors[0]?.code }).toEqual({ status: c.status, code: c.code });
    expect(typeof body.errors[0]?.message).toBe('string');
  });

  it('is still healthy after all of that', async () => {
    expect((await v2.fetch('/healthz')).status).toBe(200);
  });
});
