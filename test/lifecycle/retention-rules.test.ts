import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDialects } from '../helpers/dialects.js';
import { makeImage, makeIndex } from '../helpers/images.js';
import { cosignTag, newSigner, pushObject, simpleSignature } from '../supplychain-server/cosign.js';
import { type LifecycleServer, startLifecycleServer } from './harness.js';
import {
  DAY,
  digestOf,
  plan,
  pulledAt,
  pushedAt,
  runRetention,
  seedPolicy,
  setClock,
  setPolicy,
  small,
  stateOf,
  tagsOf,
} from './retention-support.js';

const dialects = await availableDialects();

const matching = (pattern: string) => ({ decoration: 'matching', pattern });
const excluding = (pattern: string) => ({ decoration: 'excluding', pattern });

describe.each(dialects)('retention rules over HTTP (%s)', (dialect) => {
  let s: LifecycleServer;
  const push = async (repo: string, ref: string, image = small()) => {
    await s.api.push(repo, ref, image);
    return digestOf(image);
  };
  /** Pushes an untagged image (by digest). */
  const pushUntagged = async (repo: string) => {
    const image = small();
    await s.api.push(repo, digestOf(image), image);
    return digestOf(image);
  };

  beforeAll(async () => {
    s = await startLifecycleServer(dialect);
    for (const name of ['seed', 'times', 'sel', 'imm', 'att']) await s.api.access.createProject({ name });
  });
  afterAll(() => s?.stop());

  it('the seed policy: last 10 semver, last 5 sha-, untagged pushed within 14 days; a dry run lists exactly what the run does', async () => {
    const repo = 'seed/app';
    const oldUntagged = [await pushUntagged(repo), await pushUntagged(repo)];
    const semver: string[] = [];
    const first = small();
    semver.push(await push(repo, 'v1.0.0', first));
    for (let i = 1; i < 12; i++) semver.push(await push(repo, `v1.0.${i}`));
    // v1.0.0 (removed) also carries `latest`, which no rule selects: the tag and the manifest stay.
    await s.api.push(repo, 'latest', first);
    const sha: string[] = [];
    for (let i = 0; i < 7; i++) sha.push(await push(repo, `sha-${i.toString(16).padStart(7, 'a')}`));
    const newUntagged = [await pushUntagged(repo), await pushUntagged(repo)];
    await setPolicy(s, 'seed', await seedPolicy());
    // 14 days after the first recent untagged push: the two before it are older than 14 days.
    setClock(s, (await pushedAt(s, repo, newUntagged[0] as string)) + 14 * DAY);
    try {
      const dry = await runRetention(s, 'seed', true);
      expect(dry).toMatchObject({ dryRun: true, status: 'succeeded', trigger: 'manual' });
      expect(dry.items.every((i) => i.outcome === (i.action === 'retain' ? 'kept' : 'planned'))).toBe(true);
      const real = await runRetention(s, 'seed', false);
      expect(plan(real)).toEqual(plan(dry));
      expect(real.items.filter((i) => i.action !== 'retain').every((i) => i.outcome === 'done')).toBe(true);
      const gone = [semver[1], sha[0], sha[1], ...oldUntagged].sort();
      expect(
        real.items
          .filter((i) => i.action === 'delete')
          .map((i) => i.digest)
          .sort(),
      ).toEqual(gone);
      expect(real.items.filter((i) => i.action === 'untag')).toEqual([
        expect.objectContaining({ digest: semver[0], tags: ['v1.0.0'] }),
      ]);
      expect(real).toMatchObject({ tagsRemoved: 4, manifestsDeleted: 5, retained: 17, failed: 0 });
      expect(dry).toMatchObject({ tagsRemoved: 4, manifestsDeleted: 5, retained: 17 });
      const kept = real.items.find((i) => i.digest === semver[11]);
      expect(kept).toMatchObject({ action: 'retain', rule: 1 });
      expect(kept?.reason).toBe('kept by rule 1 (latestPushed 10, tags matching v*.*.*)');
      // The registry agrees: exactly these survive.
      const state = await stateOf(s, repo);
      expect(Object.keys(state).sort()).toEqual(
        [semver[0], ...semver.slice(2), ...sha.slice(2), ...newUntagged].sort() as string[],
      );
      expect(state[semver[0] as string]).toEqual(['latest']);
      expect(await tagsOf(s, repo)).toEqual(
        [
          'latest',
          ...Array.from({ length: 10 }, (_, i) => `v1.0.${i + 2}`),
          ...Array.from({ length: 5 }, (_, i) => `sha-${(i + 2).toString(16).padStart(7, 'a')}`),
        ].sort(),
      );
      // Both runs are in the history, newest first.
      const runs = await s.call<{ id: number; dryRun: boolean }[]>('/projects/seed/retention/runs');
      expect(runs.body.map((r) => [r.id, r.dryRun])).toEqual([
        [real.id, false],
        [dry.id, true],
      ]);
      // A second run finds nothing more to do.
      const again = await runRetention(s, 'seed', false);
      expect(again.items.filter((i) => i.action !== 'retain')).toEqual([]);
    } finally {
      setClock(s, undefined);
    }
  });

  it('latestPulled keeps the most recently pulled (real pulls through /v2); never pulled counts as oldest', async () => {
    const repo = 'times/pulled';
    const [a, b, c] = [await push(repo, 'a'), await push(repo, 'b'), await push(repo, 'c')];
    await s.api.pull(repo, 'b');
    await new Promise((r) => setTimeout(r, 5));
    await s.api.pull(repo, 'a');
    await s.api.wharf.pullTimes.flush();
    await setPolicy(s, 'times', {
      rules: [{ kind: 'latestPulled', n: 2, repositories: matching('pulled') }],
    });
    const run = await runRetention(s, 'times', false);
    expect(run.items.map((i) => [i.digest, i.action])).toEqual(
      [
        [a, 'retain'],
        [b, 'retain'],
        [c, 'delete'],
      ].sort((x, y) => ((x[0] as string) < (y[0] as string) ? -1 : 1)),
    );
    expect(await tagsOf(s, repo)).toEqual(['a', 'b']);
  });

  it('pulledWithinDays and pushedWithinDays judge against the clock', async () => {
    const pulled = 'times/recent-pulls';
    const [x, y, z] = [await push(pulled, 'x'), await push(pulled, 'y'), await push(pulled, 'z')];
    await s.api.pull(pulled, 'y');
    await new Promise((r) => setTimeout(r, 5));
    await s.api.pull(pulled, 'z');
    await s.api.wharf.pullTimes.flush();
    const pushed = 'times/recent-pushes';
    const old = await push(pushed, 'old');
    await new Promise((r) => setTimeout(r, 5));
    const fresh = await push(pushed, 'fresh');
    await setPolicy(s, 'times', {
      rules: [
        { kind: 'pulledWithinDays', days: 7, repositories: matching('recent-pulls') },
        { kind: 'pushedWithinDays', days: 10, repositories: matching('recent-pushes') },
      ],
    });
    try {
      // z was pulled exactly 7 days "ago", y before that, x never.
      setClock(s, (await pulledAt(s, pulled, z)) + 7 * DAY);
      const first = await runRetention(s, 'times', false);
      expect(first.items.filter((i) => i.repository === pulled).map((i) => [i.digest, i.action])).toEqual(
        [
          [x, 'delete'],
          [y, 'delete'],
          [z, 'retain'],
        ].sort((p, q) => ((p[0] as string) < (q[0] as string) ? -1 : 1)),
      );
      expect(await tagsOf(s, pulled)).toEqual(['z']);
      // Ten days after the fresh push: the old one is older.
      setClock(s, (await pushedAt(s, pushed, fresh)) + 10 * DAY);
      const second = await runRetention(s, 'times', false);
      const byRepo = second.items.filter((i) => i.repository === pushed);
      expect(byRepo.map((i) => [i.digest, i.action]).sort()).toEqual(
        [
          [old, 'delete'],
          [fresh, 'retain'],
        ].sort(),
      );
      expect(await tagsOf(s, pushed)).toEqual(['fresh']);
    } finally {
      setClock(s, undefined);
    }
  });

  it('selectors match and exclude repositories and tags; untagged only where a rule includes it; label filter; rules OR-ed', async () => {
    const tmp1 = await push('sel/a', 'tmp-1');
    const tmp2 = await push('sel/a', 'tmp-2');
    const rel = await push('sel/a', 'rel-1');
    const u1 = await pushUntagged('sel/a');
    const keepTmp = await push('sel/keep', 'tmp-1');
    const u2 = await pushUntagged('sel/keep');
    const u3 = await pushUntagged('sel/keep');
    const l1 = await push('sel/labeled', 'l1');
    const l2 = await push('sel/labeled', 'l2');
    const l3 = await push('sel/labeled', 'l3');
    expect(await s.api.meta.labels.set('sel/labeled', l1 as never, 'keep', 'yes')).toBe(true);
    expect(await s.api.meta.labels.set('sel/labeled', l2 as never, 'keep', 'no')).toBe(true);
    await setPolicy(s, 'sel', {
      rules: [
        // Outside keep and labeled: the newest tmp-* only.
        { kind: 'latestPushed', n: 1, repositories: excluding('{keep,labeled}'), tags: matching('tmp-*') },
        // Everywhere but labeled: every artifact with a tag that is not tmp-*.
        { kind: 'always', repositories: excluding('labeled'), tags: excluding('tmp-*') },
        // In keep: untagged artifacts only, the newest one.
        { kind: 'latestPushed', n: 1, repositories: matching('keep'), tags: excluding('**'), untagged: true },
        // In labeled: keep=yes always, else the newest.
        { kind: 'always', repositories: matching('labeled'), label: { key: 'keep', value: 'yes' } },
        { kind: 'latestPushed', n: 1, repositories: matching('labeled') },
      ],
    });
    const run = await runRetention(s, 'sel', false);
    const actions = Object.fromEntries(run.items.map((i) => [i.digest, i.action]));
    expect(actions).toEqual({
      [tmp1]: 'delete',
      [tmp2]: 'retain',
      [rel]: 'retain',
      [u2]: 'delete',
      [u3]: 'retain',
      [l1]: 'retain',
      [l2]: 'delete',
      [l3]: 'retain',
    });
    // Untouched: the untagged u1 (no rule on sel/a includes untagged) and keep's tmp-1 (no rule selects it there).
    expect(Object.keys(await stateOf(s, 'sel/a')).sort()).toEqual([tmp2, rel, u1].sort());
    expect(Object.keys(await stateOf(s, 'sel/keep')).sort()).toEqual([keepTmp, u3].sort());
    expect(await tagsOf(s, 'sel/labeled')).toEqual(['l1', 'l3']);
    expect(run.items.find((i) => i.digest === l1)?.rule).toBe(4);
  });

  it('keeps immutable tags and reports them as retained for immutability', async () => {
    const add = await s.call<{ id: number }>('/projects/imm/immutability-rules', {
      method: 'POST',
      body: { tags: matching('v1') },
    });
    expect(add.status).toBe(201);
    const v1 = await push('imm/app', 'v1');
    const v2 = await push('imm/app', 'v2');
    await setPolicy(s, 'imm', { rules: [{ kind: 'latestPushed', n: 1, tags: matching('v*') }] });
    const dry = await runRetention(s, 'imm', true);
    const real = await runRetention(s, 'imm', false);
    expect(plan(real)).toEqual(plan(dry));
    expect(real.items.find((i) => i.digest === v2)).toMatchObject({ action: 'retain', rule: 1 });
    const frozen = real.items.find((i) => i.digest === v1);
    expect(frozen).toMatchObject({ action: 'retain', rule: null, outcome: 'kept' });
    expect(frozen?.reason).toBe(
      `immutable: tag v1 (immutability rule ${add.body.id} of project imm: repositories matching **, tags matching v1)`,
    );
    expect(real).toMatchObject({ status: 'succeeded', retained: 2, manifestsDeleted: 0, failed: 0 });
    expect(await tagsOf(s, 'imm/app')).toEqual(['v1', 'v2']);
  });

  it('removes only tags in scope, never a sibling; index children go with their index only; attachments follow their subject', async () => {
    const repo = 'att/app';
    const signer = newSigner();
    const sign = async (digest: string) => {
      const sig = await pushObject(
        s.client(),
        repo,
        await simpleSignature(repo, digest, [signer]),
        cosignTag(digest, 'sig'),
      );
      return sig as string;
    };
    const refer = async (subject: ReturnType<typeof small>) => {
      const ref = makeImage({
        layers: 1,
        size: 32,
        subject: subject.manifest.descriptor,
        artifactType: 'application/vnd.example.sbom',
      });
      await s.api.push(repo, digestOf(ref), ref);
      return digestOf(ref);
    };
    const a = small();
    await s.api.push(repo, 'v1', a);
    await s.api.push(repo, 'keep-me', a);
    const gone = makeIndex([small(), small()]);
    await s.api.push(repo, 'v0-index', gone);
    const signedOld = small();
    await s.api.push(repo, 'v2', signedOld);
    const oldSig = await sign(digestOf(signedOld));
    const oldRef = await refer(signedOld);
    const untagged = await pushUntagged(repo);
    const stays = makeIndex([small()]);
    await s.api.push(repo, 'keep-index', stays);
    const newest = small();
    await s.api.push(repo, 'v9', newest);
    const newSig = await sign(digestOf(newest));
    const newRef = await refer(newest);
    await setPolicy(s, 'att', {
      rules: [{ kind: 'latestPushed', n: 1, tags: matching('v*'), untagged: true }],
    });
    const dry = await runRetention(s, 'att', true);
    const real = await runRetention(s, 'att', false);
    expect(plan(real)).toEqual(plan(dry));
    const what = Object.fromEntries(real.items.map((i) => [i.digest, `${i.action} ${i.tags.join(',')}`]));
    const [c1, c2] = gone.children.map(digestOf) as [string, string];
    expect(what).toEqual({
      [digestOf(a)]: 'untag v1',
      [digestOf(gone)]: 'delete v0-index',
      [c1]: 'delete ',
      [c2]: 'delete ',
      [digestOf(signedOld)]: 'delete v2',
      [oldSig]: `delete ${cosignTag(digestOf(signedOld), 'sig')}`,
      [oldRef]: 'delete ',
      [untagged]: 'delete ',
      [digestOf(newest)]: 'retain v9',
    });
    expect(real.items.find((i) => i.digest === oldRef)?.reason).toBe(`referrer of ${digestOf(signedOld)}`);
    expect(real.items.find((i) => i.digest === c1)?.reason).toBe(`child of index ${digestOf(gone)}`);
    const state = await stateOf(s, repo);
    expect(state).toEqual({
      [digestOf(a)]: ['keep-me'],
      [digestOf(stays)]: ['keep-index'],
      [digestOf(stays.children[0] as never)]: [],
      [digestOf(newest)]: ['v9'],
      [newSig]: [cosignTag(digestOf(newest), 'sig')],
      [newRef]: [],
    });
    expect((await s.client().referrers(repo, digestOf(newest) as never)).map((d) => d.digest)).toEqual([
      newRef,
    ]);
    // The deletions went through the registry: DELETE_ARTIFACT events by the caller.
    const { events } = await s.api.wharf.eventing.audit.query({
      types: ['DELETE_ARTIFACT'],
      repository: repo,
    });
    expect(events.length).toBeGreaterThanOrEqual(8);
    expect(events.every((e) => e.actor.name === 'admin' && e.outcome === 'success')).toBe(true);
  });
});
