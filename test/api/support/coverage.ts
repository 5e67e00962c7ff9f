import type { recorded } from '../harness.js';

export const METHODS = ['get', 'put', 'post', 'patch', 'delete'] as const;

interface Operation {
  operationId?: string;
  tags?: string[];
}

export interface OpenApiDoc {
  paths: Record<string, Partial<Record<(typeof METHODS)[number], Operation>>>;
}

export type TestFile =
  | 'api.test.ts'
  | 'events-api.test.ts'
  | 'gc-http.test.ts'
  | 'promotion-api.test.ts'
  | 'replication-api.test.ts'
  | 'retention-api.test.ts'
  | 'tags-history.test.ts'
  | 'tags-immutability.test.ts'
  | 'tags-labels.test.ts';

/**
 * Which test file calls the operations of each tag. Each file has its own `recorded` (vitest runs
 * files in separate workers), so each checks the operations it owns; an operation whose tag no file
 * owns is a gap in every file's check.
 */
export const TAG_OWNERS: Record<string, TestFile> = {
  projects: 'api.test.ts',
  members: 'api.test.ts',
  users: 'api.test.ts',
  robots: 'api.test.ts',
  repositories: 'api.test.ts',
  audit: 'events-api.test.ts',
  webhooks: 'events-api.test.ts',
  tags: 'tags-history.test.ts',
  immutability: 'tags-immutability.test.ts',
  labels: 'tags-labels.test.ts',
  system: 'gc-http.test.ts',
  replication: 'replication-api.test.ts',
  promotion: 'promotion-api.test.ts',
  retention: 'retention-api.test.ts',
};

export function operationIds(doc: OpenApiDoc): string[] {
  return Object.values(doc.paths).flatMap((ops) => METHODS.flatMap((m) => ops[m]?.operationId ?? []));
}

/**
 * The operations of the document that `file` owns and did not call both with a success and with a
 * refusal, plus every operation no file owns. Empty when the coverage is complete.
 */
export function coverageGaps(doc: OpenApiDoc, calls: typeof recorded, file: TestFile): string[] {
  const gaps: string[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    const re = new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    for (const m of METHODS) {
      const op = ops[m];
      if (!op) continue;
      const name = `${m.toUpperCase()} ${path} (${op.operationId})`;
      const owners = (op.tags ?? []).map((t) => TAG_OWNERS[t]);
      if (!owners.some(Boolean)) {
        gaps.push(`${name}: no test file owns its tags ${JSON.stringify(op.tags ?? [])}`);
        continue;
      }
      if (!owners.includes(file)) continue;
      const hits = calls.filter((r) => r.method === m.toUpperCase() && re.test(r.path));
      const ok = hits.some((h) => h.status < 300);
      const refused = hits.some((h) => h.status >= 400);
      if (!ok || !refused) gaps.push(`${name}: ${ok ? '' : 'no success '}${refused ? '' : 'no error case'}`);
    }
  }
  return gaps;
}
