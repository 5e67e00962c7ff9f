import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recorded } from '../api/harness.js';
import { coverageGaps, type OpenApiDoc } from '../api/support/coverage.js';
import { availableDialects } from '../helpers/dialects.js';
import { makeImage, makeMultiPlatformIndex, type TestImage } from '../helpers/images.js';
import {
  bundleReferrer,
  cosignTag,
  newSigner,
  pushObject,
  simpleSignature,
} from '../supplychain-server/cosign.js';
import { ADMIN, ALICE, BOB, CAROL, type LifecycleServer, refusal, startLifecycleServer } from './harness.js';

const dialects = await availableDialects();
let doc: OpenApiDoc | undefined;

interface Rule {
  id: number;
  project: string;
  repositories: { decoration: string; pattern: string };
  tags: { decoration: string; pattern: string };
  createdAt: string;
}

describe.each(dialects)('tag immutability over HTTP (%s)', (dialect) => {
  let s: LifecycleServer;
  const rules: Record<'app' | 'tools' | 'signed', Rule> = {} as never;
  const digest = (i: TestImage) => i.manifest.descriptor.digest;
  const img = { a: makeImage(), b: makeImage() };
  const add = (body: unknown, as: [string, string] = ALICE, project = 'team') =>
    s.call<Rule>(`/projects/${project}/immutability-rules`, { method: 'POST', body, as });
  const manifestOf = async (repo: string, ref: string) => (await s.client().getManifest(repo, ref)).digest;

  beforeAll(async () => {
    s = await startLifecycleServer(dialect);
    doc = (await s.call<OpenApiDoc>('/openapi.json', { as: null })).body;
  });
  afterAll(() => s?.stop());

  describe('rules through the API', () => {
    it('lets project admins add rules (repositories default to matching **) and members list them', async () => {
      const app = await add({
        repositories: { decoration: 'matching', pattern: 'app' },
        tags: { decoration: 'matching', pattern: 'v*' },
      });
      expect(app.status).toBe(201);
      expect(app.headers.get('location')).toBe(`/api/v1/projects/team/immutability-rules/${app.body.id}`);
      const tools = await add({
        repositories: { decoration: 'matching', pattern: 'tools/**' },
        tags: { decoration: 'excluding', pattern: 'dev-*' },
      });
      const signed = await add({ tags: { decoration: 'matching', pattern: '**' } }, ADMIN);
      expect(signed.body).toMatchObject({
        project: 'team',
        repositories: { decoration: 'matching', pattern: '**' },
      });
      Object.assign(rules, { app: app.body, tools: tools.body, signed: signed.body });
      // The catch-all rule would freeze everything; narrow it to one repository by replacing it.
      expect(
        (await s.call(`/projects/team/immutability-rules/${signed.body.id}`, { method: 'DELETE', as: ALICE }))
          .status,
      ).toBe(204);
      const narrowed = await add({
        repositories: { decoration: 'matching', pattern: 'signed' },
        tags: { decoration: 'matching', pattern: '**' },
      });
      rules.signed = narrowed.body;
      const list = await s.call<Rule[]>('/projects/team/immutability-rules', { as: BOB });
      expect(list.status).toBe(200);
      expect(list.body.map((r) => r.id)).toEqual([rules.app.id, rules.tools.id, rules.signed.id]);
    });

    it('refuses developers, strangers, bad patterns and unknown rules', async () => {
      const tags = { decoration: 'matching', pattern: 'x' };
      expect((await add({ tags }, BOB)).status).toBe(403);
      expect((await add({ tags }, CAROL)).status).toBe(404);
      expect((await s.call('/projects/team/immutability-rules', { as: CAROL })).status).toBe(404);
      const bad = await add({ tags: { decoration: 'matching', pattern: 'a/b' } });
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({
        errors: [{ code: 'WHARF_ERR_REQUEST_INVALID', detail: { field: 'tags.pattern' } }],
      });
      expect((await add({ tags: { decoration: 'matching', pattern: '{v1' } })).status).toBe(400);
      expect((await add({ tags: { decoration: 'sometimes', pattern: 'v1' } })).status).toBe(400);
      expect((await add({ tags, extra: 1 })).status).toBe(400);
      const path = `/projects/team/immutability-rules/${rules.app.id}`;
      expect((await s.call(path, { method: 'DELETE', as: BOB })).status).toBe(403);
      expect((await s.call('/projects/team/immutability-rules/99999', { method: 'DELETE' })).status).toBe(
        404,
      );
    });
  });

  describe('pushes and deletes', () => {
    it('refuses moving an immutable tag (403 DENIED naming the rule), allows pushing the same digest again', async () => {
      await s.api.push('team/app', 'v1.0', img.a);
      await s.api.push('team/app', 'v1.0', img.a);
      const moved = await refusal(s.api.push('team/app', 'v1.0', img.b));
      expect(moved).toEqual({
        status: 403,
        code: 'DENIED',
        message:
          `tag v1.0 of team/app is immutable (rule ${rules.app.id} of project team: repositories matching app, ` +
          'tags matching v*): it cannot be moved to another digest',
      });
      expect(await manifestOf('team/app', 'v1.0')).toBe(digest(img.a));
      // Nothing of the refused push was written: not even the manifest by digest.
      expect(await refusal(manifestOf('team/app', digest(img.b)))).toMatchObject({ status: 404 });
    });

    it('refuses deleting the tag and the manifest it points at', async () => {
      const tag = await refusal(s.client().deleteManifest('team/app', 'v1.0'));
      expect(tag).toMatchObject({ status: 403, code: 'DENIED' });
      expect(tag.message).toMatch(
        /^tag v1\.0 of team\/app is immutable \(rule \d+ of project team: .*\): it cannot be deleted$/,
      );
      const manifest = await refusal(s.client().deleteManifest('team/app', digest(img.a)));
      expect(manifest).toMatchObject({ status: 403, code: 'DENIED' });
      expect(manifest.message).toMatch(
        /^manifest sha256:[0-9a-f]{64} is tagged v1\.0, which is immutable in team\/app/,
      );
      expect(await manifestOf('team/app', 'v1.0')).toBe(digest(img.a));
    });

    it('records each refusal as a POLICY_DECISION naming the rule', async () => {
      const events = await s.decisions('team/app');
      expect(events.map((e) => e.detail?.action)).toEqual(['delete', 'delete-tag', 'move-tag']);
      expect(events[2]).toMatchObject({
        outcome: 'failure',
        tag: 'v1.0',
        digest: digest(img.b),
        actor: { name: 'admin' },
        detail: { policy: 'immutability', decision: 'deny', rule: rules.app.id, project: 'team' },
      });
    });

    it('freezes the platform images of an immutable multi-arch tag with it', async () => {
      const frozen = makeMultiPlatformIndex();
      await s.api.push('team/app', 'v3.0', frozen);
      const child = frozen.children[0]?.manifest.descriptor.digest ?? '';
      const refused = await refusal(s.client().deleteManifest('team/app', child));
      expect(refused).toMatchObject({ status: 403, code: 'DENIED' });
      expect(refused.message).toBe(
        `manifest ${child} is part of index ${frozen.manifest.descriptor.digest}, tagged v3.0, which is ` +
          `immutable in team/app (rule ${rules.app.id} of project team: repositories matching app, tags matching v*): ` +
          'it cannot be deleted',
      );
      expect(await manifestOf('team/app', child)).toBe(child);
      // Under a mutable tag, a platform image can go.
      const loose = makeMultiPlatformIndex();
      await s.api.push('team/app', 'nightly', loose);
      const looseChild = loose.children[1]?.manifest.descriptor.digest ?? '';
      await s.client().deleteManifest('team/app', looseChild);
      expect(await refusal(manifestOf('team/app', looseChild))).toMatchObject({ status: 404 });
    });

    it('leaves tags outside the rules alone: other tags, excluded tags, other repositories and projects', async () => {
      await s.api.push('team/app', 'latest', img.a);
      await s.api.push('team/app', 'latest', img.b);
      await s.client().deleteManifest('team/app', 'latest');
      for (const repo of ['team/other', 'pub/app', 'team/app/sub']) {
        await s.api.push(repo, 'v1.0', img.a);
        await s.api.push(repo, 'v1.0', img.b);
        await s.client().deleteManifest(repo, digest(img.b));
      }
      // tools/**: everything but dev-* is immutable.
      await s.api.push('team/tools/x', 'dev-1', img.a);
      await s.api.push('team/tools/x', 'dev-1', img.b);
      await s.api.push('team/tools/x', 'release', img.a);
      expect(await refusal(s.api.push('team/tools/x', 'release', img.b))).toMatchObject({ status: 403 });
      expect(await refusal(s.client().deleteManifest('team/tools/x', digest(img.a)))).toMatchObject({
        status: 403,
      });
      await s.client().deleteManifest('team/tools/x', 'dev-1');
    });

    it('does not freeze attachments with their subject: a second cosign signature moves the .sig tag (harbor#17332)', async () => {
      const repo = 'team/signed';
      const image = makeImage();
      await s.api.push(repo, 'v1.0', image);
      const sigTag = cosignTag(digest(image), 'sig');
      const [one, two] = [newSigner(), newSigner()];
      const first = await pushObject(
        s.client(),
        repo,
        await simpleSignature(repo, digest(image), [one]),
        sigTag,
      );
      // cosign appends a layer and pushes the .sig manifest again: the tag moves to a new digest.
      const second = await pushObject(
        s.client(),
        repo,
        await simpleSignature(repo, digest(image), [one, two]),
        sigTag,
      );
      expect(second).not.toBe(first);
      expect(await manifestOf(repo, sigTag)).toBe(second);
      // The image itself stays frozen (every tag of team/signed is).
      expect(await refusal(s.api.push(repo, 'v1.0', makeImage()))).toMatchObject({ status: 403 });
      // Signatures go too: the .sig tag, and the signature manifest by digest.
      await s.client().deleteManifest(repo, first);
      await s.client().deleteManifest(repo, sigTag);
    });

    it('lets referrers be pushed, re-tagged and deleted, even under tags a rule covers', async () => {
      const repo = 'team/signed';
      const subject = await s.client().getManifest(repo, 'v1.0');
      const at = { digest: subject.digest, size: subject.bytes.length };
      const signer = newSigner();
      const r1 = await pushObject(s.client(), repo, await bundleReferrer(at, signer));
      const r2 = await pushObject(s.client(), repo, await bundleReferrer(at, signer), 'bundle');
      const r3 = await pushObject(s.client(), repo, await bundleReferrer(at, newSigner()), 'bundle');
      expect(await manifestOf(repo, 'bundle')).toBe(r3);
      const referrers = await s.client().referrers(repo, subject.digest);
      expect(referrers.map((d) => d.digest).sort()).toEqual([r1, r2, r3].sort());
      await s.client().deleteManifest(repo, r3);
      await s.client().deleteManifest(repo, r1);
      expect(await s.decisions(repo)).toHaveLength(1);
    });

    it('guards the API paths too: a forced project delete stops at an immutable tag', async () => {
      await s.api.access.createProject({ name: 'frozen' });
      expect((await add({ tags: { decoration: 'matching', pattern: '**' } }, ADMIN, 'frozen')).status).toBe(
        201,
      );
      await s.api.push('frozen/app', 'v1', makeImage());
      const r = await s.call<{ errors: { code: string; message: string }[] }>('/projects/frozen?force=true', {
        method: 'DELETE',
      });
      expect(r.status).toBe(403);
      expect(r.body.errors[0]?.message).toMatch(
        /is tagged v1, which is immutable in frozen\/app \(rule \d+ of project frozen/,
      );
    });

    it('applies a removed rule no more', async () => {
      const path = `/projects/team/immutability-rules/${rules.app.id}`;
      expect((await s.call(path, { method: 'DELETE', as: ALICE })).status).toBe(204);
      expect((await s.call(path, { method: 'DELETE', as: ALICE })).status).toBe(404);
      await s.api.push('team/app', 'v1.0', img.b);
      expect(await manifestOf('team/app', 'v1.0')).toBe(digest(img.b));
    });
  });

  it('wharf immutability add, list and remove', async () => {
    const added = await s.cli([
      'immutability',
      'add',
      'team',
      '--repo',
      'cli/**',
      '--exclude-tag',
      'tmp-*',
      '--json',
    ]);
    expect(added).toMatchObject({ code: 0, stderr: '' });
    const rule = JSON.parse(added.stdout) as Rule;
    expect(rule).toMatchObject({
      repositories: { decoration: 'matching', pattern: 'cli/**' },
      tags: { decoration: 'excluding', pattern: 'tmp-*' },
    });
    const list = await s.cli(['immutability', 'list', 'team']);
    expect(list.stdout).toMatch(/^ID\s+REPOSITORIES\s+TAGS\s+CREATED\n/);
    expect(list.stdout).toContain(`${rule.id}   matching cli/**`);
    expect((await s.cli(['immutability', 'remove', 'team', String(rule.id)])).stdout).toBe(
      `Removed rule ${rule.id} from project team\n`,
    );
    const usage = await s.cli(['immutability', 'add', 'team']);
    expect(usage).toMatchObject({ code: 1, stderr: 'wharf: give --tag PATTERN or --exclude-tag PATTERN\n' });
    const refused = await s.cli(['immutability', 'add', 'team', '--tag', 'v*'], BOB);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/HTTP 403/);
  });
});

afterAll(() => {
  if (!doc) throw new Error('the OpenAPI document was never fetched');
  // Operations no file owns are api.test.ts's and events-api.test.ts's to report.
  const gaps = coverageGaps(doc, recorded, 'tags-immutability.test.ts').filter(
    (g) => !g.includes('no test file owns'),
  );
  expect(gaps).toEqual([]);
});
