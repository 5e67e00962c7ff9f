import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admissionRoutes } from '../../src/http/admission/index.js';
import { installErrorHandlers } from '../../src/http/error-handler.js';
import {
  type AdmissionDecision,
  AdmissionEngine,
  applyPatches,
  parsePolicies,
  StaticVerifier,
} from '../../src/services/admission/index.js';
import {
  deployment,
  digest,
  GENERATOR,
  provenanceV1,
  deploymentReview as review,
  SLSA_V1,
  statement,
} from './support.js';

const POLICY = readFileSync(
  new URL('../fixtures/admission/verify-slsa-provenance.yaml', import.meta.url),
  'utf8',
);
const D = digest('d');
const images = new StaticVerifier({
  'registry.internal/app:1.0': {
    digest: D,
    signed: true,
    statements: [statement(SLSA_V1, provenanceV1(GENERATOR), D)],
  },
  'registry.internal/unsigned:1.0': { digest: digest('e') },
});

interface Server {
  app: FastifyInstance;
  url: string;
  decisions: AdmissionDecision[];
}

async function start(policyText: string, onDecision?: (d: AdmissionDecision) => unknown): Promise<Server> {
  const decisions: AdmissionDecision[] = [];
  const engine = new AdmissionEngine({ policies: parsePolicies(policyText), verifier: images });
  const app = Fastify();
  installErrorHandlers(app);
  // Another scope that swaps every parser out (as /v2 does) must not affect the webhook's.
  await app.register(async (v2) => {
    v2.removeAllContentTypeParsers();
    v2.addContentTypeParser('*', (_req, _payload, done) => done(null));
  });
  await app.register(
    admissionRoutes({
      engine,
      bodyLimit: 64 * 1024,
      onDecision: onDecision ?? ((d) => decisions.push(d)),
    }),
  );
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url, decisions };
}

/** A review answer (200) or an error body (4xx). */
interface Answer {
  response: {
    uid: string;
    allowed: boolean;
    status?: { code: number; message: string };
    warnings?: string[];
    patchType?: string;
    patch?: string;
  };
  errors: { code: string; message: string }[];
}

async function post(s: Server, phase: 'mutate' | 'validate', body: unknown, type = 'application/json') {
  const res = await fetch(`${s.url}/admission/v1/${phase}`, {
    method: 'POST',
    headers: { 'content-type': type },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Answer };
}

let enforce: Server;
let audit: Server;
beforeAll(async () => {
  enforce = await start(POLICY);
  audit = await start(POLICY.replace('validationFailureAction: Enforce', 'validationFailureAction: Audit'));
});
afterAll(async () => {
  await Promise.all([enforce?.app.close(), audit?.app.close()]);
});

describe('admission webhook over HTTP', () => {
  it('mutate: a Deployment using a tag is admitted and patched to the digest', async () => {
    const object = deployment(['registry.internal/app:1.0']);
    const { status, body } = await post(enforce, 'mutate', review(object));
    expect(status).toBe(200);
    expect(body).toMatchObject({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: 'b4d3c2a1-0000-4000-8000-000000000001', allowed: true, patchType: 'JSONPatch' },
    });
    const patch = JSON.parse(Buffer.from(body.response.patch ?? '', 'base64').toString());
    expect(patch).toEqual([
      {
        op: 'replace',
        path: '/spec/template/spec/containers/0/image',
        value: `registry.internal/app:1.0@${D}`,
      },
    ]);
    const patched = applyPatches(object, patch) as ReturnType<typeof deployment>;
    // The patched Deployment passes the validating webhook (its image now carries the digest).
    const validated = await post(enforce, 'validate', review(patched, 'second'));
    expect(validated.body.response).toEqual({ uid: 'second', allowed: true });
    const decision = enforce.decisions.find((d) => d.uid === 'b4d3c2a1-0000-4000-8000-000000000001');
    expect(decision).toMatchObject({
      phase: 'mutate',
      allowed: true,
      kind: 'Deployment',
      namespace: 'shop',
      user: 'system:serviceaccount:ci:deployer',
    });
  });

  it('validate: an unsigned image is denied, the message naming the failed rule', async () => {
    const { status, body } = await post(
      enforce,
      'validate',
      review(deployment([`registry.internal/unsigned:1.0@${digest('e')}`]), 'u2'),
    );
    expect(status).toBe(200);
    expect(body.response.allowed).toBe(false);
    expect(body.response.status?.code).toBe(403);
    expect(body.response.status?.message).toContain('rule autogen-check-signature-and-provenance');
    expect(body.response.status?.message).toContain('registry.internal/unsigned:1.0');
    expect(body.response.patch).toBeUndefined();
    expect(enforce.decisions.find((d) => d.uid === 'u2')?.denials).toHaveLength(1);
  });

  it('Audit: the unsigned image is admitted with a warning', async () => {
    const { body } = await post(
      audit,
      'mutate',
      review(deployment(['registry.internal/unsigned:1.0']), 'u3'),
    );
    expect(body.response.allowed).toBe(true);
    expect(body.response.warnings).toHaveLength(1);
    expect(body.response.warnings?.[0]).toContain('autogen-check-signature-and-provenance');
    expect(body.response.warnings?.[0]).toContain('(Audit)');
  });

  it('answers resources no rule applies to without a decision event', async () => {
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } };
    const body = review(configMap, 'u4');
    body.request.kind = { group: '', version: 'v1', kind: 'ConfigMap' };
    const r = await post(enforce, 'validate', body);
    expect(r.body.response).toEqual({ uid: 'u4', allowed: true });
    expect(enforce.decisions.some((d) => d.uid === 'u4')).toBe(false);
  });

  it.each([
    ['a body that is not JSON', '{"apiVersion":', 400, 'body is not JSON'],
    ['an empty body', '', 400, 'body is not JSON'],
    [
      'JSON that is not a review',
      [1, 2],
      400,
      'malformed AdmissionReview: expected an AdmissionReview object',
    ],
    [
      'admission.k8s.io/v1beta1',
      { ...review({}), apiVersion: 'admission.k8s.io/v1beta1' },
      400,
      'admissionReviewVersions: [v1]',
    ],
    [
      'a review without uid',
      { ...review({}), request: { ...review({}).request, uid: undefined } },
      400,
      'request.uid',
    ],
    [
      'a CREATE without object',
      { ...review({}), request: { ...review({}).request, object: null } },
      400,
      'request.object is required',
    ],
  ])('refuses %s with %i', async (_name, body, status, message) => {
    const r = await post(enforce, 'validate', body);
    expect(r.status).toBe(status);
    expect(r.body.errors[0]?.code).toBe('WHARF_ERR_REQUEST_INVALID');
    expect(r.body.errors[0]?.message).toContain(message);
  });

  it('refuses other media types (415) and bodies over the limit (413)', async () => {
    expect((await post(enforce, 'mutate', review({}), 'text/plain')).status).toBe(415);
    const big = review(deployment(['registry.internal/app:1.0']));
    (big.request.object as Record<string, unknown>).padding = 'x'.repeat(70 * 1024);
    expect((await post(enforce, 'mutate', big)).status).toBe(413);
  });

  it('still answers when recording the decision fails', async () => {
    const broken = await start(POLICY, () => {
      throw new Error('audit log down');
    });
    try {
      const { body } = await post(broken, 'mutate', review(deployment(['registry.internal/app:1.0']), 'u5'));
      expect(body.response).toMatchObject({ uid: 'u5', allowed: true });
    } finally {
      await broken.app.close();
    }
  });
});
