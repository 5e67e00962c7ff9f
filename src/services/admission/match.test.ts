import { describe, expect, it } from 'vitest';
import { policy } from '../../../test/admission/support.js';
import { isAutogenEligible, matchRule, parseKindSelector, type Target } from './match.js';

const vi = { imageReferences: ['*'] };

function target(kind: string, extra: Partial<Target> = {}): Target {
  const group = ['Pod', 'ReplicationController'].includes(kind)
    ? ''
    : ['Job', 'CronJob'].includes(kind)
      ? 'batch'
      : 'apps';
  return {
    group,
    version: 'v1',
    kind,
    subResource: '',
    namespace: 'shop',
    name: 'web',
    operation: 'CREATE',
    ...extra,
  };
}

function matches(match: Record<string, unknown>, t: Target, o: Parameters<typeof policy>[1] = {}) {
  const p = policy(vi, { match, ...o });
  const rule = p.rules[0];
  if (!rule) throw new Error('no rule');
  return matchRule(p, rule, t);
}

const pods = { any: [{ resources: { kinds: ['Pod'] } }] };

describe('match: kinds, namespaces, names, operations', () => {
  it.each([
    ['Pod matches a Pod', pods, target('Pod'), true],
    ['Pod does not match a ConfigMap', pods, target('ConfigMap'), false],
    ['v1/Pod', { any: [{ resources: { kinds: ['v1/Pod'] } }] }, target('Pod'), true],
    [
      'apps/v1/Deployment',
      { any: [{ resources: { kinds: ['apps/v1/Deployment'] } }] },
      target('Deployment'),
      true,
    ],
    [
      'apps/v2/Deployment',
      { any: [{ resources: { kinds: ['apps/v2/Deployment'] } }] },
      target('Deployment'),
      false,
    ],
    ['wildcard kind', { any: [{ resources: { kinds: ['*'] } }] }, target('Secret'), true],
    [
      'namespace glob',
      { any: [{ resources: { kinds: ['Pod'], namespaces: ['sh*'] } }] },
      target('Pod'),
      true,
    ],
    [
      'other namespace',
      { any: [{ resources: { kinds: ['Pod'], namespaces: ['prod'] } }] },
      target('Pod'),
      false,
    ],
    ['names', { any: [{ resources: { kinds: ['Pod'], names: ['w?b'] } }] }, target('Pod'), true],
    ['other name', { any: [{ resources: { kinds: ['Pod'], names: ['api'] } }] }, target('Pod'), false],
    [
      'operations',
      { any: [{ resources: { kinds: ['Pod'], operations: ['UPDATE'] } }] },
      target('Pod'),
      false,
    ],
    [
      'any: one of two',
      { any: [{ resources: { kinds: ['Pod'], namespaces: ['prod'] } }, { resources: { kinds: ['Pod'] } }] },
      target('Pod'),
      true,
    ],
    [
      'all: every one',
      { all: [{ resources: { kinds: ['Pod'] } }, { resources: { kinds: ['Pod'], namespaces: ['prod'] } }] },
      target('Pod'),
      false,
    ],
    ['legacy match.resources', { resources: { kinds: ['Pod'] } }, target('Pod'), true],
    [
      'a Pod rule sees ephemeral containers',
      pods,
      target('Pod', { subResource: 'ephemeralcontainers', operation: 'UPDATE' }),
      true,
    ],
    [
      'but not other subresources',
      pods,
      target('Pod', { subResource: 'status', operation: 'UPDATE' }),
      false,
    ],
    [
      'Pod/status names it',
      { any: [{ resources: { kinds: ['Pod/status'] } }] },
      target('Pod', { subResource: 'status' }),
      true,
    ],
  ])('%s', (_name, match, t, expected) => {
    expect(matches(match, t).matched).toBe(expected);
  });

  it('explains a miss', () => {
    expect(matches(pods, target('ConfigMap')).reason).toBe('match: kind ConfigMap is not in [Pod]');
    const ns = matches({ any: [{ resources: { kinds: ['Pod'], namespaces: ['prod'] } }] }, target('Pod'));
    expect(ns.reason).toBe('match: namespace "shop" is not in [prod]');
  });

  it('exclude wins over match', () => {
    const r = matches(pods, target('Pod'), {
      exclude: { any: [{ resources: { kinds: ['Pod'], namespaces: ['shop'] } }] },
    });
    expect(r).toMatchObject({ matched: false, reason: 'excluded by exclude' });
    expect(
      matches(pods, target('Pod', { namespace: 'prod' }), {
        exclude: { any: [{ resources: { kinds: ['Pod'], namespaces: ['shop'] } }] },
      }).matched,
    ).toBe(true);
  });
});

describe('autogen for pod controllers', () => {
  it.each([
    ['Deployment', 'autogen-check'],
    ['StatefulSet', 'autogen-check'],
    ['DaemonSet', 'autogen-check'],
    ['ReplicaSet', 'autogen-check'],
    ['ReplicationController', 'autogen-check'],
    ['Job', 'autogen-check'],
    ['CronJob', 'autogen-cronjob-check'],
  ])('a Pod rule covers %s as %s', (kind, name) => {
    expect(matches(pods, target(kind))).toMatchObject({ matched: true, name });
  });

  it('keeps namespaces and honours exclude', () => {
    const ns = { any: [{ resources: { kinds: ['Pod'], namespaces: ['prod'] } }] };
    expect(matches(ns, target('Deployment')).matched).toBe(false);
    expect(matches(ns, target('Deployment', { namespace: 'prod' })).matched).toBe(true);
    const ex = { exclude: { any: [{ resources: { kinds: ['Pod'], namespaces: ['shop'] } }] } };
    expect(matches(pods, target('Deployment'), ex).matched).toBe(false);
  });

  it('follows the autogen-controllers annotation', () => {
    const annotations = (v: string) => ({
      annotations: { 'pod-policies.kyverno.io/autogen-controllers': v },
    });
    expect(matches(pods, target('Deployment'), annotations('none')).matched).toBe(false);
    expect(matches(pods, target('CronJob'), annotations('Deployment,Job')).matched).toBe(false);
    expect(matches(pods, target('Job'), annotations('Deployment,Job')).matched).toBe(true);
    expect(matches(pods, target('Deployment'), annotations('none')).reason).toMatch(
      /autogen does not cover Deployment/,
    );
  });

  it('is off for rules naming other kinds or names (as in Kyverno)', () => {
    const named = policy(vi, { match: { any: [{ resources: { kinds: ['Pod'], names: ['web'] } }] } });
    const mixed = policy(vi, { match: { any: [{ resources: { kinds: ['Pod', 'Deployment'] } }] } });
    expect(named.rules[0] && isAutogenEligible(named.rules[0])).toBe(false);
    expect(mixed.rules[0] && isAutogenEligible(mixed.rules[0])).toBe(false);
    // A rule that names Deployment matches it directly, under its own name.
    expect(
      matches({ any: [{ resources: { kinds: ['Pod', 'Deployment'] } }] }, target('Deployment')),
    ).toMatchObject({
      matched: true,
      name: 'check',
    });
  });
});

describe('kind selectors', () => {
  it.each([
    ['Pod', { kind: 'Pod' }],
    ['v1/Pod', { version: 'v1', kind: 'Pod' }],
    ['apps/v1/Deployment', { group: 'apps', version: 'v1', kind: 'Deployment' }],
    ['Pod/ephemeralcontainers', { kind: 'Pod', subResource: 'ephemeralcontainers' }],
    ['*', { kind: '*' }],
  ])('%s', (s, expected) => {
    expect(parseKindSelector(s)).toEqual(expected);
  });
});
