import { readFile } from 'node:fs/promises';
import { expect } from 'vitest';
import { parse } from 'yaml';
import { makeImage, type TestImage } from '../helpers/images.js';
import { ADMIN, type LifecycleServer } from './harness.js';

/** A retention run as the API returns it. */
export interface RunDetail {
  id: number;
  project: string;
  trigger: 'manual' | 'schedule';
  dryRun: boolean;
  status: string;
  startedAt: string;
  finishedAt: string | null;
  tagsRemoved: number;
  manifestsDeleted: number;
  retained: number;
  failed: number;
  error: string | null;
  items: Item[];
}

export interface Item {
  repository: string;
  digest: string;
  action: 'untag' | 'delete' | 'retain';
  tags: string[];
  reason: string;
  rule: number | null;
  outcome: string;
  error: string | null;
}

export const DAY = 86_400_000;

/** A small random image (one 64-byte layer): fast to push. */
export const small = (): TestImage => makeImage({ layers: 1, size: 64 });
export const digestOf = (i: { manifest: { descriptor: { digest: string } } }) => i.manifest.descriptor.digest;

export const SEED_POLICY = new URL('../fixtures/retention/seed-policy.yaml', import.meta.url);

export async function seedPolicy(): Promise<unknown> {
  return parse(await readFile(SEED_POLICY, 'utf8')) as unknown;
}

export async function setPolicy(s: LifecycleServer, project: string, body: unknown, as = ADMIN) {
  const r = await s.call(`/projects/${project}/retention`, { method: 'PUT', body, as });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

export async function runRetention(
  s: LifecycleServer,
  project: string,
  dryRun: boolean,
  as = ADMIN,
): Promise<RunDetail> {
  const r = await s.call<RunDetail>(`/projects/${project}/retention/runs`, {
    method: 'POST',
    body: { dryRun },
    as,
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}

/** What a run did, without outcomes: a dry run and the real run after it must list the same. */
export const plan = (r: RunDetail) => r.items.map(({ outcome: _o, error: _e, ...rest }) => rest);

/** Every manifest of a repository (untagged too) with its tags, sorted: digest → tags. */
export async function stateOf(s: LifecycleServer, repository: string): Promise<Record<string, string[]>> {
  const arts = (await s.api.meta.activity.artifacts(repository)) ?? [];
  return Object.fromEntries(arts.map((a) => [a.digest, a.tags.map((t) => t.name).sort()]));
}

/** The /v2 tag list (sorted; [] when the repository has none). */
export async function tagsOf(s: LifecycleServer, repository: string): Promise<string[]> {
  return (
    await s
      .client()
      .listTags(repository)
      .catch(() => [])
  ).sort();
}

/** Push time of a manifest (the clock "within N days" rules are judged against). */
export async function pushedAt(s: LifecycleServer, repository: string, digest: string): Promise<number> {
  const a = (await s.api.meta.activity.artifacts(repository))?.find((x) => x.digest === digest);
  if (!a) throw new Error(`${repository}@${digest} not found`);
  return a.pushedAt.getTime();
}

export async function pulledAt(s: LifecycleServer, repository: string, digest: string): Promise<number> {
  const a = (await s.api.meta.activity.artifacts(repository))?.find((x) => x.digest === digest);
  if (!a?.pulledAt) throw new Error(`${repository}@${digest} was never pulled`);
  return a.pulledAt.getTime();
}

/**
 * "Within N days" without waiting N days: the composed retention service reads its clock from
 * `wharf.retention.now`; the tests move it forward (push and pull times stay the real ones).
 */
export function setClock(s: LifecycleServer, at: number | undefined): void {
  s.api.wharf.retention.now = at === undefined ? () => new Date() : () => new Date(at);
}
