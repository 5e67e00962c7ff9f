import { describe, expect, it } from 'vitest';
import { isSupplyChainError } from './errors.js';
import { slsaProvenanceV1 } from './provenance.js';

describe('slsaProvenanceV1', () => {
  const required = {
    builderId: 'https://wharf.example/builder/v1',
    buildType: 'https://wharf.example/buildtypes/push/v1',
    externalParameters: { repository: 'team/app' },
  };

  it('has the three Build L1 fields and nothing else when only they are given', () => {
    expect(slsaProvenanceV1(required)).toEqual({
      buildDefinition: { buildType: required.buildType, externalParameters: { repository: 'team/app' } },
      runDetails: { builder: { id: required.builderId } },
    });
  });

  it('places the optional fields where SLSA v1 puts them', () => {
    const p = slsaProvenanceV1({
      ...required,
      internalParameters: { runner: 'r1' },
      resolvedDependencies: [{ uri: 'git+https://git.example/app', digest: { gitCommit: 'abc' } }],
      invocationId: 'run-7',
      startedOn: new Date('2026-08-01T10:00:00Z'),
      finishedOn: '2026-08-01T10:05:00.250Z',
    });
    expect(p.buildDefinition.internalParameters).toEqual({ runner: 'r1' });
    expect(p.buildDefinition.resolvedDependencies).toHaveLength(1);
    expect(p.runDetails.metadata).toEqual({
      invocationId: 'run-7',
      startedOn: '2026-08-01T10:00:00Z',
      finishedOn: '2026-08-01T10:05:00.250Z',
    });
  });

  it.each([
    ['a non-URI builder id', { builderId: 'wharf' }],
    ['a non-URI build type', { buildType: 'push' }],
    ['a bad timestamp', { startedOn: 'yesterday' }],
    ['a dependency with no uri, digest or content', { resolvedDependencies: [{ name: 'x' }] }],
  ])('refuses %s', (_, patch) => {
    let code = 'none';
    try {
      slsaProvenanceV1({ ...required, ...patch });
    } catch (err) {
      code = isSupplyChainError(err) ? err.code : 'other';
    }
    expect(code).toBe('STATEMENT_INVALID');
  });
});
