import { describe, expect, it } from 'vitest';
import type { Digest } from '../../oci/digest.js';
import type { Revocation } from '../../ports/promotion-store.js';
import { builtInChecks, checkGates, evaluateGates, type GateInput, tagRefusal } from './gates.js';
import { RevokedDigests } from './revocations.js';
import { isSemver } from './semver.js';
import { revokedTagBase } from './service.js';
import { parseSource } from './source.js';

const D = `sha256:${'a'.repeat(64)}` as Digest;

describe('semver tags', () => {
  it('accepts v?MAJOR.MINOR.PATCH[-pre] and nothing looser', () => {
    for (const t of ['1.4.0', 'v1.4.0', '0.0.1-rc.1', '10.20.30-alpha-1']) expect(isSemver(t), t).toBe(true);
    for (const t of ['1.4', 'latest', '01.2.3', '1.2.3.4', 'v1.2.3-', 'stable'])
      expect(isSemver(t), t).toBe(false);
  });

  it('lets a project pattern replace semver', () => {
    const g = checkGates({
      from: [],
      requireSignature: false,
      requiredAttestations: [],
      requiredApprovals: [],
      tagPattern: 'rel-*',
    });
    expect(tagRefusal(g, 'rel-12')).toBeNull();
    expect(tagRefusal(g, 'release-12')).toMatch(/does not match/);
    expect(tagRefusal({ ...g, tagPattern: null }, 'stable')).toMatch(/not a semantic version/);
  });
});

describe('promotion sources', () => {
  it('parses repository, tag and digest, with or without a host', () => {
    expect(parseSource('dev/app:1.4.0')).toEqual({
      repository: 'dev/app',
      project: 'dev',
      path: 'app',
      tag: '1.4.0',
    });
    expect(parseSource(`registry.example.com:5000/dev/team/api@${D}`)).toEqual({
      repository: 'dev/team/api',
      project: 'dev',
      path: 'team/api',
      digest: D,
    });
    expect(() => parseSource('dev/app')).toThrow(/neither a tag nor a digest/);
    expect(() => parseSource('dev/app@sha256:xyz')).toThrow(/invalid digest/);
  });
});

describe('gates', () => {
  const input = (over: Partial<GateInput> = {}): GateInput => ({
    sourceRepository: 'dev/app',
    sourceProject: 'dev',
    digest: D,
    target: 'staging',
    tag: '1.0.0',
    gates: checkGates({
      from: ['dev'],
      requireSignature: true,
      requiredAttestations: ['https://slsa.dev/provenance/v1'],
      requiredApprovals: ['qa-signoff', 'security-review'],
      tagPattern: null,
    }),
    trustedKeys: [],
    approvals: [
      {
        digest: D,
        target: 'staging',
        name: 'qa-signoff',
        actor: { name: 'qa', kind: 'user' },
        comment: null,
        at: new Date(),
      },
    ],
    ...over,
  });
  const evidence = {
    signed: async () => ({ ok: true as const, via: 'a bundle' }),
    predicateTypes: async () => [],
  };

  it('reports every gate, failing ones included', async () => {
    const results = await evaluateGates(builtInChecks(evidence), input());
    expect(results.map((r) => [r.gate, r.ok])).toEqual([
      ['source', true],
      ['signature', false],
      ['attestation:https://slsa.dev/provenance/v1', false],
      ['approval:qa-signoff', true],
      ['approval:security-review', false],
    ]);
    expect(results[1]?.reason).toMatch(/trusts no key/);
  });

  it('refuses sources the gates do not name', async () => {
    const results = await evaluateGates(builtInChecks(evidence), input({ sourceProject: 'sandbox' }));
    expect(results[0]).toMatchObject({ gate: 'source', ok: false });
  });

  it('validates gate settings', () => {
    const base = {
      from: [],
      requireSignature: false,
      requiredAttestations: [],
      requiredApprovals: [],
      tagPattern: null,
    };
    expect(() => checkGates({ ...base, requiredApprovals: ['QA Signoff'] })).toThrow(/not a valid entry/);
    expect(() => checkGates({ ...base, tagPattern: 'v{1' })).toThrow(/^tagPattern: /);
    expect(() => checkGates({ ...base, tagPattern: '(a+)+$' })).toThrow(/^tagPattern: /);
    expect(checkGates({ ...base, from: ['dev', 'dev'] }).from).toEqual(['dev']);
  });
});

describe('RevokedDigests', () => {
  it('reads the store at most once per refresh period, and at once on reload', async () => {
    let reads = 0;
    let now = 0;
    const rows: Revocation[] = [];
    const revoked = new RevokedDigests({
      store: {
        revocations: async () => {
          reads++;
          return [...rows];
        },
      },
      refreshMs: 5_000,
      now: () => now,
    });
    expect(await revoked.get(D)).toBeUndefined();
    rows.push({
      digest: D,
      parent: null,
      repository: 'prod/app',
      reason: 'bad',
      actor: { name: 'a', kind: 'user' },
      at: new Date(0),
    });
    now = 4_999;
    expect(await revoked.get(D)).toBeUndefined();
    expect(reads).toBe(1);
    now = 5_000;
    expect((await revoked.get(D))?.reason).toBe('bad');
    expect(reads).toBe(2);
    rows.length = 0;
    await revoked.reload();
    expect(await revoked.get(D)).toBeUndefined();
  });

  it('keeps the last list when a re-read fails, and refuses to guess before the first read', async () => {
    let now = 0;
    let down = true;
    const stale: unknown[] = [];
    const revocation: Revocation = {
      digest: D,
      parent: null,
      repository: 'prod/app',
      reason: 'bad',
      actor: { name: 'a', kind: 'user' },
      at: new Date(0),
    };
    const revoked = new RevokedDigests({
      store: {
        revocations: async () => {
          if (down) throw new Error('database is down');
          return [revocation];
        },
      },
      refreshMs: 1_000,
      now: () => now,
      onStale: (err) => stale.push(err),
    });
    await expect(revoked.get(D)).rejects.toMatchObject({ code: 'WHARF_ERR_UNAVAILABLE', status: 503 });
    down = false;
    expect((await revoked.get(D))?.reason).toBe('bad');
    down = true;
    now = 1_000;
    expect((await revoked.get(D))?.reason).toBe('bad');
    expect(stale).toHaveLength(1);
    now = 1_500;
    expect((await revoked.get(D))?.reason).toBe('bad');
    expect(stale).toHaveLength(1);
  });

  it('names the revoked tag by the UTC date', () => {
    expect(revokedTagBase(new Date('2026-12-02T23:59:59Z'))).toBe('revoked-20261202');
  });
});
