import type { AdmissionDecision, JsonPatchOp } from './explain.js';
import { describe, isObject, type Obj } from './fields.js';
import type { Operation } from './policy-types.js';

export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';

/** The part of an AdmissionReview v1 `request` the engine reads. */
export interface AdmissionRequest {
  uid: string;
  kind: { group: string; version: string; kind: string };
  subResource?: string;
  name?: string;
  namespace?: string;
  operation: Operation;
  userInfo?: Obj;
  /** Null on DELETE. */
  object: unknown;
  /** Null on CREATE. */
  oldObject?: unknown;
  dryRun?: boolean;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: { code: number; message: string };
  warnings?: string[];
  patchType?: 'JSONPatch';
  patch?: string;
}

export interface AdmissionReviewResponse {
  apiVersion: typeof ADMISSION_API_VERSION;
  kind: 'AdmissionReview';
  response: AdmissionResponse;
}

/** A body that is not an AdmissionReview v1 the engine can read; the message says what is wrong. */
export class ReviewError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReviewError';
  }
}

const OPERATIONS: readonly Operation[] = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'];

function optionalString(o: Obj, field: string): string | undefined {
  const v = o[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new ReviewError(`request.${field} must be a string, got ${describe(v)}`);
  return v;
}

/** Reads an AdmissionReview v1 body (already JSON-parsed). Throws ReviewError naming the bad field. */
export function parseAdmissionReview(body: unknown): AdmissionRequest {
  if (!isObject(body)) throw new ReviewError(`expected an AdmissionReview object, got ${describe(body)}`);
  if (body.apiVersion !== ADMISSION_API_VERSION) {
    throw new ReviewError(
      `apiVersion must be ${ADMISSION_API_VERSION} (got ${describe(body.apiVersion)}); set admissionReviewVersions: [v1]`,
    );
  }
  if (body.kind !== 'AdmissionReview')
    throw new ReviewError(`kind must be AdmissionReview, got ${describe(body.kind)}`);
  const r = body.request;
  if (!isObject(r)) throw new ReviewError('request is missing');
  if (typeof r.uid !== 'string' || r.uid === '')
    throw new ReviewError('request.uid must be a non-empty string');
  const k = r.kind;
  if (!isObject(k) || typeof k.kind !== 'string' || k.kind === '') {
    throw new ReviewError('request.kind must be {group, version, kind}');
  }
  const operation = r.operation as Operation;
  if (!OPERATIONS.includes(operation)) {
    throw new ReviewError(
      `request.operation must be one of ${OPERATIONS.join(', ')}, got ${describe(r.operation)}`,
    );
  }
  const object = r.object ?? null;
  if (object !== null && !isObject(object))
    throw new ReviewError(`request.object must be an object, got ${describe(object)}`);
  if (object === null && (operation === 'CREATE' || operation === 'UPDATE')) {
    throw new ReviewError(`request.object is required for ${operation}`);
  }
  const oldObject = r.oldObject ?? null;
  if (oldObject !== null && !isObject(oldObject)) {
    throw new ReviewError(`request.oldObject must be an object, got ${describe(oldObject)}`);
  }
  const req: AdmissionRequest = {
    uid: r.uid,
    kind: {
      group: typeof k.group === 'string' ? k.group : '',
      version: typeof k.version === 'string' ? k.version : '',
      kind: k.kind,
    },
    operation,
    object,
    oldObject,
  };
  for (const f of ['subResource', 'name', 'namespace'] as const) {
    const v = optionalString(r, f);
    if (v !== undefined) req[f] = v;
  }
  if (isObject(r.userInfo)) req.userInfo = r.userInfo;
  if (r.dryRun === true) req.dryRun = true;
  return req;
}

/** A bare resource (Pod, Deployment, …) as the CREATE request that would admit it. */
export function requestForResource(resource: unknown, uid = 'wharf-policy-test'): AdmissionRequest {
  if (!isObject(resource)) throw new ReviewError(`expected a Kubernetes object, got ${describe(resource)}`);
  if (typeof resource.kind !== 'string' || typeof resource.apiVersion !== 'string') {
    throw new ReviewError('the resource needs apiVersion and kind');
  }
  const slash = resource.apiVersion.indexOf('/');
  const group = slash === -1 ? '' : resource.apiVersion.slice(0, slash);
  const version = resource.apiVersion.slice(slash + 1);
  const meta = isObject(resource.metadata) ? resource.metadata : {};
  return {
    uid,
    kind: { group, version, kind: resource.kind },
    operation: 'CREATE',
    name: typeof meta.name === 'string' ? meta.name : '',
    namespace: typeof meta.namespace === 'string' ? meta.namespace : 'default',
    object: resource,
    oldObject: null,
  };
}

/** The API server keeps warnings short; longer ones may be truncated or dropped. */
const MAX_WARNING = 256;

export function encodePatch(patches: readonly JsonPatchOp[]): string {
  return Buffer.from(JSON.stringify(patches)).toString('base64');
}

/** The AdmissionReview v1 answer for a decision (patches only when allowed, on the mutate phase). */
export function admissionResponse(decision: AdmissionDecision): AdmissionReviewResponse {
  const response: AdmissionResponse = { uid: decision.uid, allowed: decision.allowed };
  if (!decision.allowed) response.status = { code: 403, message: decision.message };
  if (decision.warnings.length) {
    response.warnings = decision.warnings.map((w) =>
      w.length > MAX_WARNING ? `${w.slice(0, MAX_WARNING - 3)}...` : w,
    );
  }
  if (decision.allowed && decision.phase === 'mutate' && decision.patches.length) {
    response.patchType = 'JSONPatch';
    response.patch = encodePatch(decision.patches);
  }
  return { apiVersion: ADMISSION_API_VERSION, kind: 'AdmissionReview', response };
}

/** Applies `replace` patches to a copy of `doc` (what the API server does with a mutating answer). */
export function applyPatches(doc: unknown, patches: readonly JsonPatchOp[]): unknown {
  const copy: unknown = structuredClone(doc);
  for (const p of patches) {
    const keys = p.path
      .slice(1)
      .split('/')
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = keys.pop();
    let cur: unknown = copy;
    for (const k of keys) cur = Array.isArray(cur) ? cur[Number(k)] : isObject(cur) ? cur[k] : undefined;
    if (last === undefined || typeof cur !== 'object' || cur === null) continue;
    if (Array.isArray(cur)) cur[Number(last)] = p.value;
    else (cur as Record<string, unknown>)[last] = p.value;
  }
  return copy;
}
