import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recorded } from '../api/harness.js';
import { coverageGaps, type OpenApiDoc } from '../api/support/coverage.js';
import { availableDialects } from '../helpers/dialects.js';
import { makeImage, makeMultiPlatformIndex, type TestArtifact } from '../helpers/images.js';
import {
  ADMIN,
  ALICE,
  BOB,
  CAROL,
  type LifecycleServer,
  refusal,
  startLifecycleServer,
} from '../lifecycle/harness.js';
import {
  bundleReferrer,
  newSigner,
  provenancePredicate,
  pushObject,
  SLSA_V1,
} from '../supplychain-server/cosign.js';

const dialects = await availableDialects();
let doc: OpenApiDoc | undefined;

interface GateResult {
  gate: string;
  ok: boolean;
  reason: string;
}
interface ErrorBody {
  errors: { code: string; message: string; detail: { gates?: GateResult[]; [k: string]: unknown } }[];
}

const digestOf = (a: TestArtifact) => a.manifest.descriptor.digest;
const enc = (repo: string) => encodeURIComponent(repo);
const artifactPath = (repo: string, ref: string) =>
  `/projects/${repo.split('/')[0]}/repositories/${enc(repo)}/artifacts/${ref}`;
const today = () => `revoked-${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`;

describe.each(dialects)('promotion, rollback and revocation over HTTP (%s)', (dialect) => {
  let s: LifecycleServer;
  const signer = newSigner();
  const v1 = makeImage();
  const v2 = makeImage();
  const other = makeImage();
  const index = makeMultiPlatformIndex();
  const gates = {
    from: ['dev'],
    requireSignature: true,
    requiredAttestations: [SLSA_V1],
    requiredApprovals: ['qa-signoff'],
  };
  const promote = (body: unknown, as: [string, string] = ALICE, target = 'staging') =>
    s.call<ErrorBody & { tag: string; digest: string; gates: GateResult[] }>(
      `/projects/${target}/promotions`,
      {
        method: 'POST',
        body,
        as,
      },
    );
  const approve = (name: string, as: [string, string], target = 'staging') =>
    s.call(`${artifactPath('dev/app', '1.4.0')}/approvals`, { method: 'POST', body: { target, name }, as });

  beforeAll(async () => {
    s = await startLifecycleServer(dialect);
    doc = (await s.call<OpenApiDoc>('/openapi.json', { as: null })).body;
    const { access } = s.api;
    for (const name of ['dev', 'staging', 'prod']) {
      await access.createProject({ name, public: false });
      await access.addMember(name, 'alice', 'projectAdmin');
      await access.addMember(name, 'bob', 'developer');
    }
    await access.addMember('staging', 'carol', 'maintainer');
    await access.addMember('dev', 'carol', 'guest');
    for (const p of ['staging', 'prod']) {
      const r = await s.call(`/projects/${p}`, {
        method: 'PATCH',
        body: { supplyChain: { trustedKeys: [signer.pem] } },
      });
      expect(r.status).toBe(200);
    }
    await s.api.push('dev/app', '1.4.0', v1);
    await s.api.push('dev/app', 'latest', v1);
    await s.api.push('dev/other', '2.0.0', other);
  });
  afterAll(() => s?.stop());

  describe('gates', () => {
    it('are set by project admins of the target, refused to developers and on bad bodies', async () => {
      expect((await s.call('/projects/staging/promotion-gates')).status).toBe(404);
      const path = '/projects/staging/promotion-gates';
      expect((await s.call(path, { method: 'PUT', body: gates, as: BOB })).status).toBe(403);
      expect((await s.call(path, { method: 'PUT', body: { ...gates, surprise: 1 }, as: ALICE })).status).toBe(
        400,
      );
      expect(
        (await s.call(path, { method: 'PUT', body: { requiredApprovals: ['Not OK!'] }, as: ALICE })).status,
      ).toBe(400);
      expect((await s.call(path, { method: 'PUT', body: { tagPattern: 'v{1' }, as: ALICE })).status).toBe(
        400,
      );
      expect((await s.call('/projects/nope/promotion-gates', { method: 'PUT', body: gates })).status).toBe(
        404,
      );
      const set = await s.call<Record<string, unknown>>(path, { method: 'PUT', body: gates, as: ALICE });
      expect(set.status).toBe(200);
      expect(set.body).toMatchObject({ project: 'staging', ...gates, tagPattern: null, updatedBy: 'alice' });
      expect((await s.call(path, { as: BOB })).body).toMatchObject(gates);
      // A private project is invisible to outsiders.
      expect((await s.call('/projects/prod/promotion-gates', { as: CAROL })).status).toBe(404);
    });

    it('refuses promotion into a project without gates', async () => {
      const r = await promote({ source: 'dev/app:1.4.0' }, ALICE, 'prod');
      expect(r.status).toBe(403);
      expect(r.body.errors[0]?.message).toMatch(/project prod accepts no promotions/);
    });
  });

  describe('promote', () => {
    it('refuses listing every failing gate, and records the decision', async () => {
      const r = await promote({ source: 'dev/app:1.4.0' });
      expect(r.status).toBe(403);
      const e = r.body.errors[0];
      expect(e?.code).toBe('DENIED');
      const failing = (e?.detail.gates ?? []).filter((g) => !g.ok).map((g) => g.gate);
      expect(failing).toEqual(['signature', `attestation:${SLSA_V1}`, 'approval:qa-signoff']);
      expect(e?.message).toMatch(/signature: .*; attestation:.*; approval:qa-signoff: /);
      expect(e?.detail).toMatchObject({
        policy: 'promotion',
        digest: digestOf(v1),
        repository: 'staging/app',
      });
      await s.api.wharf.eventing.flushPulls();
      const decisions = await s.decisions('staging/app');
      expect(decisions[0]?.detail).toMatchObject({
        policy: 'promotion',
        decision: 'deny',
        action: 'promote',
      });
    });

    it('checks the body, the source and the tag', async () => {
      expect((await promote({ source: 'dev/app:1.4.0', extra: true })).status).toBe(400);
      expect((await promote({ source: 'not a reference' })).status).toBe(400);
      expect((await promote({ source: 'dev/app:latest' })).status).toBe(400);
      expect((await promote({ source: 'dev/app:1.4.0', tag: 'stable' })).status).toBe(400);
      expect((await promote({ source: 'dev/missing:1.0.0' })).status).toBe(404);
      expect((await promote({ source: 'team/app:1.0.0' }, CAROL)).status).toBe(404);
      expect((await promote({ source: 'dev/app:1.4.0' }, CAROL)).status).toBe(403);
    });

    it('takes approvals from maintainers of the target only, idempotently', async () => {
      expect((await approve('qa-signoff', BOB)).status).toBe(403);
      expect(
        (
          await s.call(`${artifactPath('dev/app', '1.4.0')}/approvals`, {
            method: 'POST',
            body: { target: 'staging', name: 'Bad Name' },
            as: CAROL,
          })
        ).status,
      ).toBe(400);
      const a = await approve('qa-signoff', CAROL);
      expect(a.status).toBe(201);
      expect(a.body).toMatchObject({
        digest: digestOf(v1),
        target: 'staging',
        name: 'qa-signoff',
        actor: 'carol',
      });
      const again = await approve('qa-signoff', CAROL);
      expect(again.body).toEqual(a.body);
      const list = await s.call<unknown[]>(`${artifactPath('dev/app', digestOf(v1))}/approvals`, { as: BOB });
      expect(list.status).toBe(200);
      expect(list.body).toHaveLength(1);
      expect((await s.call(`${artifactPath('dev/app', 'nope')}/approvals`)).status).toBe(404);
      // Even a system admin cannot approve for a project that does not exist.
      expect((await approve('qa-signoff', ADMIN, 'no-such-env')).status).toBe(404);
    });

    it('promotes once signed, attested and approved: the artifact and its attachments are copied', async () => {
      const client = s.client();
      const subject = { digest: digestOf(v1), size: v1.manifest.bytes.length };
      await pushObject(client, 'dev/app', await bundleReferrer(subject, signer));
      await pushObject(
        client,
        'dev/app',
        await bundleReferrer(subject, signer, SLSA_V1, provenancePredicate()),
      );
      const r = await promote({ source: 'dev/app:1.4.0' });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      expect(r.body).toMatchObject({ repository: 'staging/app', tag: '1.4.0', digest: digestOf(v1) });
      expect(r.body.gates.every((g) => g.ok)).toBe(true);
      expect((await client.getManifest('staging/app', '1.4.0')).digest).toBe(digestOf(v1));
      expect(await client.referrers('staging/app', digestOf(v1) as never)).toHaveLength(2);
      // The same promotion again is a no-op.
      expect((await promote({ source: `dev/app@${digestOf(v1)}`, tag: '1.4.0' })).status).toBe(200);
      const list = await s.call<unknown[]>('/projects/staging/promotions', { as: BOB });
      expect(list.body).toHaveLength(1);
      expect((await s.call('/projects/nope/promotions')).status).toBe(404);
    });

    it('locks the promoted tag: no push of another digest, no delete, no second promotion', async () => {
      const push = await refusal(s.api.push('staging/app', '1.4.0', v2));
      expect(push).toMatchObject({ status: 403, code: 'DENIED' });
      expect(push.message).toMatch(
        /tag 1\.4\.0 of staging\/app is immutable: it was promoted from dev\/app@/,
      );
      expect(await refusal(s.client().deleteManifest('staging/app', '1.4.0'))).toMatchObject({ status: 403 });
      await s.api.push('dev/app', '1.5.0', v2);
      const taken = await promote({ source: 'dev/app:1.5.0', tag: '1.4.0' });
      expect(taken.status).toBe(409);
      expect(taken.body.errors[0]?.message).toMatch(/tag 1\.4\.0 of staging\/app already points at/);
    });

    it('keeps a promoted tag from retention, which reports the promotion as the reason', async () => {
      await s.api.push('staging/app', '1.9.0', other);
      const policy = {
        rules: [{ kind: 'latestPushed', n: 1, tags: { decoration: 'matching', pattern: '**' } }],
      };
      expect((await s.call('/projects/staging/retention', { method: 'PUT', body: policy })).status).toBe(200);
      type Run = { status: string; items: { digest: string; action: string; reason: string }[] };
      const run = await s.call<Run>('/projects/staging/retention/runs', { method: 'POST', body: {} });
      expect(run.status).toBe(201);
      const promoted = run.body.items.find((i) => i.digest === digestOf(v1));
      expect(promoted).toMatchObject({ action: 'retain' });
      expect(promoted?.reason).toMatch(/^immutable: tag 1\.4\.0 \(it was promoted from dev\/app@sha256:/);
      expect((await s.client().getManifest('staging/app', '1.4.0')).digest).toBe(digestOf(v1));
      await s.call('/projects/staging/retention', { method: 'DELETE' });
    });

    it('refuses sources from projects the gates do not name', async () => {
      await s.call('/projects/staging/promotion-gates', {
        method: 'PUT',
        body: { ...gates, from: ['team'] },
        as: ALICE,
      });
      const r = await promote({ source: 'dev/other:2.0.0' });
      expect(r.body.errors[0]?.detail.gates?.find((g) => g.gate === 'source')).toMatchObject({ ok: false });
      await s.call('/projects/staging/promotion-gates', { method: 'PUT', body: gates, as: ALICE });
    });
    it('lets one of two concurrent promotions to a tag copy, and accepts anything under empty gates', async () => {
      await s.api.access.createProject({ name: 'qa', public: false });
      expect((await s.call('/projects/qa/promotion-gates', { method: 'PUT', body: {} })).status).toBe(200);
      // Each caller, the one told "already promoted" (200) too, can pull the tag the moment it is answered.
      const promoteAndPull = async () => {
        const r = await promote({ source: 'dev/app:1.4.0' }, ADMIN, 'qa');
        return { status: r.status, pulled: (await s.client().getManifest('qa/app', '1.4.0')).digest };
      };
      const both = await Promise.all([promoteAndPull(), promoteAndPull()]);
      expect(both.map((r) => r.status).sort()).toEqual([200, 201]);
      expect(both.map((r) => r.pulled)).toEqual([digestOf(v1), digestOf(v1)]);
    });

    it('lets only system admins lift the lock of a promoted tag, after which it may go', async () => {
      await s.api.access.addMember('qa', 'alice', 'projectAdmin');
      const [promoted] = (await s.call<{ id: number; tag: string }[]>('/projects/qa/promotions')).body;
      const path = `/projects/qa/promotions/${promoted?.id}`;
      expect(await refusal(s.client().deleteManifest('qa/app', '1.4.0'))).toMatchObject({ status: 403 });
      expect((await s.call(path, { method: 'DELETE', as: ALICE })).status).toBe(403);
      expect((await s.call(path, { method: 'DELETE', as: CAROL })).status).toBe(404);
      expect((await s.call('/projects/qa/promotions/999999', { method: 'DELETE' })).status).toBe(404);
      expect((await s.call(path, { method: 'DELETE' })).status).toBe(204);
      expect((await s.call(path, { method: 'DELETE' })).status).toBe(404);
      await s.client().deleteManifest('qa/app', '1.4.0');
      await s.api.wharf.eventing.flushPulls(); // decisions outside /v2 are written in batches
      const events = await s.api.wharf.eventing.audit.query({
        types: ['POLICY_DECISION'],
        repository: 'qa/app',
      });
      expect(events.events.map((e) => e.detail?.['action'])).toContain('unlock');
    });
  });

  describe('rollback', () => {
    const path = '/projects/team/repositories/team%2Fsvc/rollback';
    it('moves a tag back to a digest its history holds, and refuses any other', async () => {
      await s.api.push('team/svc', 'stable', v1);
      await s.api.push('team/svc', 'stable', v2);
      const back = await s.call(path, {
        method: 'POST',
        body: { digest: digestOf(v1), tag: 'stable' },
        as: BOB,
      });
      expect(back.status).toBe(200);
      expect(back.body).toEqual({
        repository: 'team/svc',
        tag: 'stable',
        from: digestOf(v2),
        to: digestOf(v1),
      });
      expect((await s.client().getManifest('team/svc', 'stable')).digest).toBe(digestOf(v1));
      const never = await s.call<ErrorBody>(path, {
        method: 'POST',
        body: { digest: digestOf(other), tag: 'stable' },
      });
      expect(never.status).toBe(409);
      expect(never.body.errors[0]?.message).toMatch(/never was tag stable/);
      expect((await s.call(path, { method: 'POST', body: { digest: 'nope' } })).status).toBe(400);
      expect((await s.call(path, { method: 'POST', body: { digest: digestOf(v1) }, as: CAROL })).status).toBe(
        404,
      );
      // Without a tag: the one tag whose history holds the digest.
      const only = await s.call(path, { method: 'POST', body: { digest: digestOf(v2) } });
      expect(only.body).toMatchObject({ tag: 'stable', to: digestOf(v2) });
      await s.api.push('team/svc', 'canary', v1);
      const several = await s.call<ErrorBody>(path, { method: 'POST', body: { digest: digestOf(v1) } });
      expect(several.status).toBe(400);
      expect(several.body.errors[0]?.message).toMatch(/several tags of team\/svc \(canary, stable\)/);
    });

    it('changes nothing when the tag is already there', async () => {
      const r = await s.call('/projects/staging/repositories/staging%2Fapp/rollback', {
        method: 'POST',
        body: { digest: digestOf(v1), tag: '1.4.0' },
      });
      expect(r.body).toEqual({
        repository: 'staging/app',
        tag: '1.4.0',
        from: digestOf(v1),
        to: digestOf(v1),
      });
    });
  });

  describe('revoke', () => {
    it('refuses pulls of the digest in every repository, tags it, deletes nothing', async () => {
      const path = `${artifactPath('staging/app', '1.4.0')}/revoke`;
      expect((await s.call(path, { method: 'POST', body: {}, as: BOB })).status).toBe(403);
      expect((await s.call(path, { method: 'POST', body: { nope: 1 } })).status).toBe(400);
      const r = await s.call<{ tag: string; revocation: Record<string, unknown> }>(path, {
        method: 'POST',
        body: { reason: 'CVE-2026-0001' },
        as: ALICE,
      });
      expect(r.status).toBe(201);
      expect(r.body.tag).toBe(today());
      expect(r.body.revocation).toMatchObject({
        digest: digestOf(v1),
        reason: 'CVE-2026-0001',
        actor: 'alice',
      });
      for (const [repo, ref] of [
        ['staging/app', '1.4.0'],
        ['dev/app', digestOf(v1)],
        ['team/svc', digestOf(v1)],
      ] as const) {
        const refused = await refusal(s.client().getManifest(repo, ref));
        expect(refused).toMatchObject({ status: 412, code: 'DENIED' });
        expect(refused.message).toMatch(/revoked by alice .*CVE-2026-0001/);
      }
      const listed = await s.call<{ digest: string; tags: string[] }[]>(
        '/projects/staging/repositories/staging%2Fapp/artifacts',
      );
      expect(listed.body.find((a) => a.digest === digestOf(v1))?.tags).toEqual(['1.4.0', today()]);
      expect((await s.call<unknown[]>('/revocations')).body).toHaveLength(1);
      expect((await s.call('/revocations', { as: ALICE })).status).toBe(403);
    });

    it('is refused as a promotion source and as a rollback target', async () => {
      const p = await promote({ source: `dev/app@${digestOf(v1)}`, tag: '1.4.0' }, ALICE, 'staging');
      expect(p.status).toBe(200); // the earlier promotion stands; nothing is copied again
      await s.call('/projects/prod/promotion-gates', { method: 'PUT', body: { from: ['staging'] } });
      const refused = await promote({ source: 'staging/app:1.4.0' }, ALICE, 'prod');
      expect(refused.status).toBe(403);
      expect(refused.body.errors[0]?.detail.gates?.[0]).toMatchObject({ gate: 'not-revoked', ok: false });
      const rb = await s.call<ErrorBody>('/projects/team/repositories/team%2Fsvc/rollback', {
        method: 'POST',
        body: { digest: digestOf(v1), tag: 'stable' },
      });
      expect(rb.status).toBe(403);
      expect(rb.body.errors[0]?.detail).toMatchObject({ policy: 'revoked' });
    });

    it('revokes the children of an index with it', async () => {
      await s.api.push('team/multi', '1.0.0', index);
      const r = await s.call(`${artifactPath('team/multi', '1.0.0')}/revoke`, { method: 'POST', body: {} });
      expect(r.status).toBe(201);
      const child = index.kind === 'index' ? index.children[0] : undefined;
      const refused = await refusal(s.client().getManifest('team/multi', digestOf(child as TestArtifact)));
      expect(refused.message).toMatch(/as part of index/);
      expect(
        (await s.call(`${artifactPath('team/multi', '1.0.0')}/revoke`, { method: 'DELETE' })).status,
      ).toBe(204);
      expect(
        (await s.client().getManifest('team/multi', digestOf(child as TestArtifact))).digest,
      ).toBeTruthy();
    });

    it('is lifted by admins of the project it was revoked in', async () => {
      const path = `${artifactPath('staging/app', digestOf(v1))}/revoke`;
      expect((await s.call(path, { method: 'DELETE', as: BOB })).status).toBe(403);
      expect((await s.call(path, { method: 'DELETE', as: ALICE })).status).toBe(204);
      expect((await s.call(path, { method: 'DELETE', as: ALICE })).status).toBe(404);
      expect((await s.client().getManifest('dev/app', digestOf(v1))).digest).toBe(digestOf(v1));
    });
  });

  it('covers every promotion operation with a success and a refusal', () => {
    expect(doc).toBeDefined();
    expect(coverageGaps(doc as OpenApiDoc, recorded, 'promotion-api.test.ts')).toEqual([]);
  });
});
