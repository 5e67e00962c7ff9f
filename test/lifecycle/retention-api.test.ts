import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recorded } from '../api/harness.js';
import { coverageGaps, type OpenApiDoc } from '../api/support/coverage.js';
import { availableDialects } from '../helpers/dialects.js';
import { ADMIN, ALICE, BOB, CAROL, type LifecycleServer, startLifecycleServer } from './harness.js';
import {
  digestOf,
  plan,
  type RunDetail,
  runRetention,
  SEED_POLICY,
  setPolicy,
  small,
  tagsOf,
} from './retention-support.js';

const dialects = await availableDialects();
let doc: OpenApiDoc | undefined;

interface ErrorBody {
  errors: { code: string; message: string; detail: { field?: string } | null }[];
}

const matching = (pattern: string) => ({ decoration: 'matching', pattern });
const keepLatest = { rules: [{ kind: 'latestPushed', n: 1, tags: matching('v*') }] };

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.each(dialects)('retention API, schedule and CLI (%s)', (dialect) => {
  let s: LifecycleServer;
  const path = (project: string) => `/projects/${project}/retention`;
  const put = (project: string, body: unknown, as: [string, string] = ALICE) =>
    s.call<ErrorBody>(path(project), { method: 'PUT', body, as });

  beforeAll(async () => {
    // Schedules are looked at every second here (30 s by default).
    s = await startLifecycleServer(dialect, { retention: { scheduleTickSeconds: 1 } });
    doc = (await s.call<OpenApiDoc>('/openapi.json', { as: null })).body;
    await s.api.access.createProject({ name: 'sched' });
  });
  afterAll(() => s?.stop());

  it('lets project admins set, read and delete the policy, and members read it', async () => {
    expect((await s.call(path('team'), { as: ALICE })).status).toBe(404);
    const set = await s.call<Record<string, unknown>>(path('team'), {
      method: 'PUT',
      as: ALICE,
      body: { rules: [{ kind: 'latestPushed', n: 3 }], schedule: '03:30' },
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({
      project: 'team',
      schedule: '03:30',
      enabled: true,
      rules: [
        {
          kind: 'latestPushed',
          n: 3,
          repositories: matching('**'),
          tags: matching('**'),
          untagged: false,
        },
      ],
    });
    const read = await s.call(path('team'), { as: BOB });
    expect(read).toMatchObject({ status: 200, body: set.body });
    expect((await s.call(path('team'), { method: 'DELETE', as: ALICE })).status).toBe(204);
    expect((await s.call(path('team'), { method: 'DELETE', as: ALICE })).status).toBe(404);
  });

  it('refuses bad policies with 400 naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ rules: [{ kind: 'newest', n: 1 }] }, 'rules.0.kind'],
      [{ rules: [{ kind: 'latestPushed' }] }, 'rules.0.n'],
      [{ rules: [{ kind: 'latestPushed', n: 0 }] }, 'rules.0.n'],
      [{ rules: [{ kind: 'always', days: 3 }] }, 'rules.0.days'],
      [{ rules: [{ kind: 'pushedWithinDays' }] }, 'rules.0.days'],
      [{ rules: [{ kind: 'always', tags: matching('a/b') }] }, 'rules.0.tags.pattern'],
      [{ rules: [{ kind: 'always', repositories: matching('{x') }] }, 'rules.0.repositories.pattern'],
      [{ rules: [{ kind: 'always', label: { key: 'bad key' } }] }, 'rules.0.label.key'],
      [{ rules: [], schedule: 'every day' }, 'schedule'],
      [{ rules: [], extra: true }, 'extra'],
      [{}, 'rules'],
    ];
    for (const [body, field] of cases) {
      const r = await put('team', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.errors[0]?.code).toBe('WHARF_ERR_REQUEST_INVALID');
      expect(r.body.errors[0]?.detail?.field, JSON.stringify(body)).toBe(field);
    }
  });

  it('answers 403 to developers and non-members, 404 to strangers of private projects and unknown projects', async () => {
    expect((await put('team', keepLatest, BOB)).status).toBe(403);
    expect((await put('team', keepLatest, CAROL)).status).toBe(404);
    expect((await s.call(path('team'), { as: CAROL })).status).toBe(404);
    expect((await s.call(`${path('team')}/runs`, { as: CAROL })).status).toBe(404);
    expect((await put('nope', keepLatest, ADMIN)).status).toBe(404);
    // Public: visible, but only members read its policy.
    await setPolicy(s, 'pub', keepLatest);
    expect((await s.call(path('pub'), { as: CAROL })).status).toBe(403);
    expect((await s.call(`${path('pub')}/runs`, { as: CAROL })).status).toBe(403);
    expect((await s.call(`${path('pub')}/runs/1`, { as: CAROL })).status).toBe(403);
    expect((await s.call(path('pub'), { method: 'DELETE', as: BOB })).status).toBe(403);
    expect((await s.call(path('pub'), { method: 'DELETE' })).status).toBe(204);
  });

  it('runs now and lists runs newest first, paginated; 404 for an unknown run, 403 for developers', async () => {
    const repo = 'team/api';
    const [v1, v2] = [small(), small()];
    await s.api.push(repo, 'v1', v1);
    await s.api.push(repo, 'v2', v2);
    expect((await s.call(`${path('team')}/runs`, { method: 'POST', body: {}, as: ALICE })).status).toBe(404);
    await setPolicy(s, 'team', keepLatest, ALICE);
    const runs = `${path('team')}/runs`;
    expect((await s.call(runs, { method: 'POST', body: {}, as: BOB })).status).toBe(403);
    expect((await s.call(runs, { method: 'POST', body: { dryRun: 'maybe' }, as: ALICE })).status).toBe(400);
    const dry = await runRetention(s, 'team', true, ALICE);
    const real = await runRetention(s, 'team', false, ALICE);
    expect(plan(real)).toEqual(plan(dry));
    expect(real.items.find((i) => i.digest === digestOf(v1))).toMatchObject({
      action: 'delete',
      outcome: 'done',
    });
    expect(await tagsOf(s, repo)).toEqual(['v2']);
    // A bare POST is a real run.
    const bare = await s.call<RunDetail>(runs, { method: 'POST', as: ALICE });
    expect(bare.status).toBe(201);
    expect(bare.body).toMatchObject({ dryRun: false, status: 'succeeded', manifestsDeleted: 0 });
    const first = await s.call<RunDetail[]>(`${runs}?n=2`, { as: BOB });
    expect(first.status).toBe(200);
    expect(first.body.map((r) => r.id)).toEqual([bare.body.id, real.id]);
    expect(first.body[0]).not.toHaveProperty('items');
    const next = first.headers.get('link');
    expect(next).toBe(`</api/v1/projects/team/retention/runs?n=2&last=${real.id}>; rel="next"`);
    const second = await s.call<RunDetail[]>(`${runs}?n=2&last=${real.id}`, { as: BOB });
    expect(second.body.map((r) => r.id)).toEqual([dry.id]);
    expect(second.headers.get('link')).toBeNull();
    expect((await s.call(`${runs}?last=x`)).status).toBe(400);
    const one = await s.call<RunDetail>(`${runs}/${real.id}`, { as: BOB });
    expect(one).toMatchObject({ status: 200, body: { id: real.id, items: real.items } });
    expect((await s.call(`${runs}/999999`)).status).toBe(404);
    expect((await s.call(`/projects/pub/retention/runs/${real.id}`)).status).toBe(404);
    // Two runs of one project at once: the second starts after the first has finished.
    const [x, y] = await Promise.all([
      runRetention(s, 'team', false, ALICE),
      runRetention(s, 'team', true, ALICE),
    ]);
    const [a, b] = [x, y].sort((p, q) => p.id - q.id) as [RunDetail, RunDetail];
    expect(Date.parse(b.startedAt)).toBeGreaterThanOrEqual(Date.parse(a.finishedAt ?? ''));
  });

  it('records a real run as a POLICY_DECISION per changed repository, by the caller', async () => {
    const events = (await s.decisions('team/api')).filter((e) => e.detail?.policy === 'retention');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      outcome: 'success',
      actor: { name: 'alice', kind: 'user' },
      detail: { policy: 'retention', decision: 'allow', untagged: 0, deleted: 1 },
    });
  });

  it('runs on its schedule through the jobs queue, once per slot, as the system', async () => {
    const repo = 'sched/app';
    const old = small();
    await s.api.push(repo, 'v1', old);
    await s.api.push(repo, 'v2', small());
    await setPolicy(s, 'sched', { ...keepLatest, schedule: '1s' });
    const run = await until('a scheduled run', async () => {
      const list = await s.call<RunDetail[]>(`${path('sched')}/runs`);
      return list.body.find((r) => r.trigger === 'schedule' && r.status !== 'running');
    });
    expect(run).toMatchObject({ dryRun: false, status: 'succeeded' });
    expect(await tagsOf(s, repo)).toEqual(['v2']);
    // Disabled: no more scheduled runs.
    await setPolicy(s, 'sched', { ...keepLatest, schedule: '1s', enabled: false });
    // A job claimed just before the change may still finish its run; count after it has.
    await new Promise((r) => setTimeout(r, 1500));
    const before = (await s.call<RunDetail[]>(`${path('sched')}/runs?n=100`)).body.length;
    await new Promise((r) => setTimeout(r, 2500));
    expect((await s.call<RunDetail[]>(`${path('sched')}/runs?n=100`)).body.length).toBe(before);
    const detail = await s.call<RunDetail>(`${path('sched')}/runs/${run.id}`);
    expect(detail.body.items.find((i) => i.digest === digestOf(old))).toMatchObject({ outcome: 'done' });
    const events = (await s.decisions(repo)).filter((e) => e.detail?.policy === 'retention');
    expect(events[0]?.actor).toEqual({ name: 'system', kind: 'system' });
  });

  it('goes with its project: a project made again under the name has no policy and no history', async () => {
    await s.api.access.createProject({ name: 'gone' });
    await setPolicy(s, 'gone', keepLatest);
    await runRetention(s, 'gone', true);
    expect((await s.call('/projects/gone?force=true', { method: 'DELETE' })).status).toBe(204);
    await s.api.access.createProject({ name: 'gone' });
    expect((await s.call(path('gone'))).status).toBe(404);
    expect((await s.call<unknown[]>(`${path('gone')}/runs`)).body).toEqual([]);
  });

  it('shows a run whose server died as failed (interrupted), not running for ever', async () => {
    const { retention } = s.api.wharf.meta;
    // What a SIGKILL mid-run leaves: a `running` row nobody beats any more (its last beat 10 minutes ago).
    const dead = await retention.startRun('team', {
      trigger: 'manual',
      dryRun: false,
      startedAt: new Date(Date.now() - 600_000),
    });
    // A run in progress elsewhere (beating) is left alone.
    const alive = await retention.startRun('team', {
      trigger: 'manual',
      dryRun: true,
      startedAt: new Date(),
    });
    const next = await runRetention(s, 'team', true, ALICE);
    const list = await s.call<RunDetail[]>(`${path('team')}/runs?n=5`, { as: ALICE });
    const byId = new Map(list.body.map((r) => [r.id, r]));
    expect(byId.get(next.id)).toMatchObject({ status: 'succeeded' });
    expect(byId.get(dead ?? 0)).toMatchObject({
      status: 'failed',
      error: 'interrupted: the server running it stopped before it finished',
    });
    expect(byId.get(dead ?? 0)?.finishedAt).not.toBeNull();
    expect(byId.get(alive ?? 0)).toMatchObject({ status: 'running' });
  });

  it('wharf retention set, get, run, runs and delete; errors are one line', async () => {
    const repo = 'sched/cli';
    await s.api.push(repo, 'v1.0.0', small());
    const dir = await mkdtemp(join(tmpdir(), 'wharf-retention-'));
    try {
      const set = await s.cli(['retention', 'set', 'sched', '--file', SEED_POLICY.pathname]);
      expect(set).toMatchObject({ code: 0, stderr: '' });
      expect(set.stdout).toBe('Set the retention policy of project sched: 3 rule(s), schedule manual\n');
      const got = await s.cli(['retention', 'get', 'sched']);
      expect(got.stdout).toMatch(/^Project: {3}sched\nSchedule: {2}manual\n/);
      expect(got.stdout).toMatch(
        /\n#\s+KEEP\s+REPOSITORIES\s+TAGS\s+UNTAGGED\s+LABEL\n1\s+latestPushed 10\s+matching \*\*\s+matching v\*\.\*\.\*\s+no\s+-\n/,
      );
      expect(JSON.parse((await s.cli(['retention', 'get', 'sched', '--json'])).stdout)).toMatchObject({
        project: 'sched',
        rules: [{ n: 10 }, { n: 5 }, { days: 14, untagged: true }],
      });
      const json = join(dir, 'policy.json');
      await writeFile(
        json,
        JSON.stringify({ rules: [{ kind: 'latestPushed', n: 1, tags: matching('v*') }] }),
      );
      expect((await s.cli(['retention', 'set', 'sched', '-f', json])).code).toBe(0);
      const flags = await s.cli([
        'retention',
        'set',
        'sched',
        '--rule',
        'latestPushed:1 tags=v*',
        '--schedule',
        'none',
      ]);
      expect(flags.stdout).toBe('Set the retention policy of project sched: 1 rule(s), schedule manual\n');
      expect(await s.cli(['retention', 'set', 'sched'])).toMatchObject({
        code: 1,
        stderr: 'wharf: give --file POLICY.yaml, or --rule SPEC (or both)\n',
      });
      await s.api.push(repo, 'v2.0.0', small());
      const dry = await s.cli(['retention', 'run', 'sched', '--dry-run']);
      expect(dry.code).toBe(0);
      expect(dry.stdout).toMatch(
        /^Run \d+ \(dry run, succeeded\): would remove 1 tag\(s\), would delete 1 manifest\(s\); 2 retained, 0 failed\n/,
      );
      expect(dry.stdout).toMatch(
        /\nREPOSITORY\s+DIGEST\s+ACTION\s+TAGS\s+OUTCOME\s+REASON\nsched\/cli\s+sha256:\S+\s+delete\s+v1\.0\.0\s+planned/,
      );
      const real = JSON.parse((await s.cli(['retention', 'run', 'sched', '--json'])).stdout) as RunDetail;
      expect(real).toMatchObject({ dryRun: false, manifestsDeleted: 1 });
      const runs = await s.cli(['retention', 'runs', 'sched']);
      expect(runs.stdout).toMatch(/^RUN\s+STARTED\s+TRIGGER\s+DRY\s+STATUS/);
      expect(runs.stdout).toContain(`${real.id}  `);
      const shown = await s.cli(['retention', 'runs', 'sched', String(real.id), '--retained']);
      expect(shown.stdout).toContain('retain');
      expect((await s.cli(['retention', 'run-show', 'sched', String(real.id)])).stdout).toContain('done');
      const refused = await s.cli(['retention', 'set', 'team', '--file', json], BOB);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^wharf: set the retention policy of team: .*\(HTTP 403\)\n$/);
      const missing = await s.cli(['retention', 'set', 'sched', '--file', join(dir, 'none.yaml')]);
      expect(missing).toMatchObject({ code: 1, stdout: '' });
      expect(missing.stderr).toMatch(/^wharf: cannot read .*none\.yaml: /);
      expect((await s.cli(['retention', 'delete', 'sched'])).stdout).toBe(
        'Removed the retention policy of project sched\n',
      );
      const gone = await s.cli(['retention', 'get', 'sched']);
      expect(gone).toMatchObject({ code: 1, stdout: '' });
      expect(gone.stderr).toMatch(/retention policy not found \(HTTP 404\)\n$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

afterAll(() => {
  if (!doc) throw new Error('the OpenAPI document was never fetched');
  const gaps = coverageGaps(doc, recorded, 'retention-api.test.ts').filter(
    (g) => !g.includes('no test file owns'),
  );
  expect(gaps).toEqual([]);
});
