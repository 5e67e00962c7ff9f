import { blob, imageManifest, jsonBlob, OCI_MANIFEST, type TestBlob } from './oci.js';

/** A deliberately thin HTTP helper for API tests: every call is one visible request. */
export class V2 {
  constructor(
    readonly base: string,
    readonly auth?: string,
  ) {}

  fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.auth && !headers.has('authorization')) headers.set('authorization', this.auth);
    return fetch(`${this.base}${path}`, { ...init, headers, redirect: 'manual' });
  }

  /** POST ?digest= in one request; returns the response. */
  pushBlob(repo: string, b: TestBlob): Promise<Response> {
    return this.fetch(`/v2/${repo}/blobs/uploads/?digest=${b.digest}`, {
      method: 'POST',
      body: b.data,
      headers: { 'content-type': 'application/octet-stream' },
    });
  }

  putManifest(repo: string, ref: string, m: TestBlob, mediaType = OCI_MANIFEST): Promise<Response> {
    return this.fetch(`/v2/${repo}/manifests/${ref}`, {
      method: 'PUT',
      body: m.data,
      headers: { 'content-type': mediaType },
    });
  }

  /** Pushes a complete single-layer image and tags it; returns its parts. */
  async pushImage(repo: string, tag: string, extra: Record<string, unknown> = {}) {
    const config = jsonBlob({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [] },
      n: Math.random(),
    });
    const layer = blob(2048);
    for (const b of [config, layer]) {
      const r = await this.pushBlob(repo, b);
      if (r.status !== 201) throw new Error(`blob push failed: ${r.status} ${await r.text()}`);
    }
    const manifest = imageManifest(config, [layer], extra);
    const r = await this.putManifest(repo, tag, manifest);
    if (r.status !== 201) throw new Error(`manifest push failed: ${r.status} ${await r.text()}`);
    return { config, layer, manifest };
  }
}

export async function errorCode(r: Response): Promise<string | undefined> {
  const body = (await r.json()) as { errors?: { code: string }[] };
  return body.errors?.[0]?.code;
}
