import { describe, expect, it } from 'vitest';
import type { AdmissionDecision } from './explain.js';
import { admissionResponse, applyPatches, parseAdmissionReview, requestForResource } from './review.js';

const request = {
  uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
  kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
  resource: { group: 'apps', version: 'v1', resource: 'deployments' },
  name: 'web',
  namespace: 'shop',
  operation: 'CREATE',
  userInfo: { username: 'alice' },
  object: { apiVersion: 'apps/v1', kind: 'Deployment' },
  oldObject: null,
  dryRun: false,
};
const review = (r: unknown, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: r,
  ...extra,
});

describe('AdmissionReview v1', () => {
  it('reads a request', () => {
    expect(parseAdmissionReview(review(request))).toEqual({
      uid: request.uid,
      kind: request.kind,
      name: 'web',
      namespace: 'shop',
      operation: 'CREATE',
      userInfo: { username: 'alice' },
      object: request.object,
      oldObject: null,
    });
  });

  it.each([
    ['not an object', [], 'expected an AdmissionReview object, got a list'],
    [
      'v1beta1',
      { ...review(request), apiVersion: 'admission.k8s.io/v1beta1' },
      'set admissionReviewVersions: [v1]',
    ],
    ['wrong kind', { ...review(request), kind: 'Pod' }, 'kind must be AdmissionReview'],
    ['no request', review(undefined), 'request is missing'],
    ['no uid', review({ ...request, uid: '' }), 'request.uid must be a non-empty string'],
    ['no kind', review({ ...request, kind: 'Deployment' }), 'request.kind must be {group, version, kind}'],
    [
      'bad operation',
      review({ ...request, operation: 'PATCH' }),
      'request.operation must be one of CREATE, UPDATE, DELETE, CONNECT',
    ],
    ['object not an object', review({ ...request, object: 'x' }), 'request.object must be an object'],
    ['CREATE without object', review({ ...request, object: null }), 'request.object is required for CREATE'],
    ['bad namespace', review({ ...request, namespace: 7 }), 'request.namespace must be a string'],
  ])('refuses %s', (_name, body, message) => {
    expect(() => parseAdmissionReview(body)).toThrow(message);
  });

  const decision = (o: Partial<AdmissionDecision>): AdmissionDecision => ({
    uid: 'u',
    phase: 'mutate',
    allowed: true,
    operation: 'CREATE',
    kind: 'Pod',
    namespace: 'shop',
    name: 'web',
    dryRun: false,
    matched: 1,
    message: 'ok',
    denials: [],
    warnings: [],
    patches: [],
    policies: [],
    diagnostics: [],
    ...o,
  });
  const patch = { op: 'replace' as const, path: '/spec/containers/0/image', value: 'r/app:1@sha256:x' };

  it('answers an admitted mutation with a base64 JSON patch', () => {
    const { response } = admissionResponse(decision({ patches: [patch] }));
    expect(response).toMatchObject({ uid: 'u', allowed: true, patchType: 'JSONPatch' });
    expect(JSON.parse(Buffer.from(response.patch ?? '', 'base64').toString())).toEqual([patch]);
  });

  it('answers a denial with 403 and no patch; warnings ride along, shortened', () => {
    const long = 'w'.repeat(400);
    const r = admissionResponse(
      decision({ allowed: false, message: 'no', patches: [patch], warnings: [long] }),
    );
    expect(r).toEqual({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: {
        uid: 'u',
        allowed: false,
        status: { code: 403, message: 'no' },
        warnings: [`${'w'.repeat(253)}...`],
      },
    });
  });

  it('never patches from the validate phase', () => {
    expect(
      admissionResponse(decision({ phase: 'validate', patches: [patch] })).response.patch,
    ).toBeUndefined();
  });

  it('applies replace patches to a copy', () => {
    const doc = { spec: { containers: [{ image: 'a' }], 'x/y': { '~': 'b' } } };
    const out = applyPatches(doc, [
      { op: 'replace', path: '/spec/containers/0/image', value: 'A' },
      { op: 'replace', path: '/spec/x~1y/~0', value: 'B' },
    ]);
    expect(out).toEqual({ spec: { containers: [{ image: 'A' }], 'x/y': { '~': 'B' } } });
    expect(doc.spec.containers[0]?.image).toBe('a');
  });

  it('turns a bare resource into a CREATE request', () => {
    const r = requestForResource({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'nightly' } });
    expect(r).toMatchObject({
      kind: { group: 'batch', version: 'v1', kind: 'CronJob' },
      operation: 'CREATE',
      namespace: 'default',
      name: 'nightly',
    });
    expect(requestForResource({ apiVersion: 'v1', kind: 'Pod' }).kind).toEqual({
      group: '',
      version: 'v1',
      kind: 'Pod',
    });
    expect(() => requestForResource({ kind: 'Pod' })).toThrow('needs apiVersion and kind');
  });
});
