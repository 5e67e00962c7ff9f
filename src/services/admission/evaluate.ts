import { matchesAny } from '../../supplychain/conditions/wildcard.js';
import type { Diagnostic } from './diagnose.js';
import {
  type AdmissionDecision,
  failureChain,
  type ImageResult,
  type JsonPatchOp,
  type Phase,
  type RuleResult,
} from './explain.js';
import { extractImages, type FoundImage, type ImageRef, pinnedReference, valueAt } from './images.js';
import { matchRule, type Target } from './match.js';
import type { ClusterPolicy, ImageVerification } from './policy-types.js';
import type { AdmissionRequest } from './review.js';
import type { ImageVerifier } from './verifier.js';
import { verifyImage } from './verify-image.js';

export interface EvaluateInput {
  policies: readonly ClusterPolicy[];
  verifier: ImageVerifier;
  /** diagnose() of each policy, by name. */
  diagnostics: ReadonlyMap<string, readonly Diagnostic[]>;
  signal?: AbortSignal;
}

interface ImageJob {
  input: EvaluateInput;
  policy: ClusterPolicy;
  vi: ImageVerification;
  img: FoundImage;
  req: AdmissionRequest;
  phase: Phase;
}

function targetOf(req: AdmissionRequest): Target {
  const meta = (req.object ?? req.oldObject) as { metadata?: { name?: unknown } } | null;
  const name = req.name || (typeof meta?.metadata?.name === 'string' ? meta.metadata.name : '');
  return {
    ...req.kind,
    subResource: req.subResource ?? '',
    namespace: req.namespace ?? '',
    name,
    operation: req.operation,
  };
}

type Verdict = Pick<ImageResult, 'outcome' | 'reason'> & { warning?: string };

/** The verdicts reached before anything is verified: out of scope, skipped, unchanged, digest rules. */
function screen(job: ImageJob, ref: ImageRef): Verdict | undefined {
  const { vi, img, req, phase } = job;
  if (!matchesAny(vi.imageReferences, ref.reference)) {
    return { outcome: 'skip', reason: `does not match imageReferences [${vi.imageReferences.join(', ')}]` };
  }
  const skipBy = matchesAny(vi.skipImageReferences, ref.reference);
  if (skipBy !== undefined) {
    const reason = `matches skipImageReferences "${skipBy}"`;
    return { outcome: 'skip', reason, warning: `${ref.reference} is not verified: it ${reason}` };
  }
  if (req.operation === 'UPDATE' && valueAt(req.oldObject, img.pointer) === img.raw) {
    return { outcome: 'skip', reason: 'unchanged since oldObject' };
  }
  if (phase === 'validate' && vi.verifyDigest && !ref.digest) {
    const reason = `missing digest for ${ref.reference} (verifyDigest; mutateDigest pins tags at mutation)`;
    return { outcome: 'fail', reason };
  }
  if (phase === 'validate' && !vi.required) {
    return { outcome: 'pass', reason: 'required: false, so it is verified at mutation only' };
  }
  return undefined;
}

async function judgeImage(job: ImageJob): Promise<ImageResult> {
  const { input, policy, vi, img, phase } = job;
  const mode = vi.failureAction ?? policy.validationFailureAction;
  const base = {
    entry: vi.path,
    container: img.container,
    pointer: img.pointer,
    image: img.raw,
    mode,
    checks: [],
  };
  if (!img.ref)
    return { ...base, outcome: 'fail', reason: `invalid image reference: ${img.error ?? 'unknown'}` };
  const ref = img.ref;
  const at = { ...base, reference: ref.reference };
  const screened = screen(job, ref);
  if (screened) return { ...at, ...screened };
  const verifies = vi.attestors.length > 0 || vi.attestations.length > 0;
  const pins = phase === 'mutate' && vi.mutateDigest && !ref.digest;
  if (!verifies && !pins) return { ...at, outcome: 'pass', reason: 'no attestors or attestations to verify' };
  let digest = ref.digest;
  if (digest === undefined) {
    const r = await input.verifier.resolve(ref.reference, input.signal);
    if ('error' in r)
      return { ...at, outcome: 'fail', reason: `cannot resolve ${ref.reference}: ${r.error}` };
    digest = r.digest;
  }
  const patch: JsonPatchOp | undefined = pins
    ? { op: 'replace', path: img.pointer, value: pinnedReference(ref, digest) }
    : undefined;
  const diagnostics = input.diagnostics.get(policy.name) ?? [];
  const checks = verifies
    ? await verifyImage(vi, {
        verifier: input.verifier,
        ref,
        digest,
        request: job.req,
        hint: (path) => diagnostics.find((d) => d.severity === 'error' && d.path.startsWith(path))?.message,
        ...(input.signal ? { signal: input.signal } : {}),
      })
    : [];
  const done = { ...at, digest, checks, ...(patch ? { patch } : {}) };
  const failed = checks.find((c) => c.outcome === 'fail');
  if (failed) return { ...done, outcome: 'fail', reason: failureChain(failed, `${vi.path}.`) };
  return { ...done, outcome: 'pass', reason: verifies ? `verified ${digest}` : `resolved to ${digest}` };
}

function ruleOutcome(images: ImageResult[]): Pick<RuleResult, 'outcome' | 'reason'> {
  const failed = images.find((i) => i.outcome === 'fail');
  if (failed) return { outcome: 'fail', reason: `${failed.image}: ${failed.reason}` };
  const passed = images.filter((i) => i.outcome === 'pass').length;
  if (passed) return { outcome: 'pass', reason: `${passed} image check(s) passed` };
  return { outcome: 'skip', reason: images.length ? 'no image needed verification' : 'no container images' };
}

function emptyDecision(req: AdmissionRequest, t: Target, phase: Phase): AdmissionDecision {
  return {
    uid: req.uid,
    phase,
    allowed: true,
    operation: req.operation,
    kind: t.kind,
    namespace: t.namespace,
    name: t.name,
    ...(typeof req.userInfo?.username === 'string' ? { user: req.userInfo.username } : {}),
    dryRun: req.dryRun === true,
    matched: 0,
    message: '',
    denials: [],
    warnings: [],
    patches: [],
    policies: [],
    diagnostics: [],
  };
}

/** Adds a rule's image results to the decision: denials, warnings and (one per pointer) patches. */
function record(
  decision: AdmissionDecision,
  policy: string,
  rule: string,
  results: readonly ImageResult[],
): void {
  for (const r of results) {
    const where = `policy ${policy} rule ${rule}: ${r.image}`;
    if (r.outcome === 'fail' && r.mode === 'Enforce') decision.denials.push(`${where}: ${r.reason}`);
    if (r.outcome === 'fail' && r.mode === 'Audit') decision.warnings.push(`${where} (Audit): ${r.reason}`);
    if (r.warning) decision.warnings.push(`policy ${policy} rule ${rule}: ${r.warning}`);
    if (r.patch && !decision.patches.some((p) => p.path === r.patch?.path)) decision.patches.push(r.patch);
  }
}

async function evaluatePolicy(
  job: Omit<ImageJob, 'vi' | 'img'>,
  t: Target,
  images: readonly FoundImage[],
  decision: AdmissionDecision,
): Promise<void> {
  const { policy } = job;
  const rules: RuleResult[] = [];
  let applied = false;
  for (const rule of policy.rules) {
    const m = matchRule(policy, rule, t);
    if (!m.matched) {
      rules.push({ rule: m.name, path: rule.path, outcome: 'skip', reason: m.reason, images: [] });
      continue;
    }
    applied = true;
    decision.matched++;
    const results: ImageResult[] = [];
    for (const vi of rule.verifyImages) {
      for (const img of images) results.push(await judgeImage({ ...job, vi, img }));
    }
    rules.push({ rule: m.name, path: rule.path, images: results, ...ruleOutcome(results) });
    record(decision, policy.name, m.name, results);
  }
  decision.policies.push({ policy: policy.name, mode: policy.validationFailureAction, rules });
  if (applied) decision.diagnostics.push(...(job.input.diagnostics.get(policy.name) ?? []));
}

/** Evaluates every policy on one admission request: the decision with its full explanation. */
export async function evaluateRequest(
  input: EvaluateInput,
  req: AdmissionRequest,
  phase: Phase,
): Promise<AdmissionDecision> {
  const t = targetOf(req);
  const decision = emptyDecision(req, t, phase);
  if (req.object === null || req.operation === 'DELETE' || req.operation === 'CONNECT') {
    decision.message = `nothing to verify on ${req.operation}`;
    return decision;
  }
  const images = extractImages(t.kind, req.object);
  for (const policy of input.policies)
    await evaluatePolicy({ input, policy, req, phase }, t, images, decision);
  decision.allowed = decision.denials.length === 0;
  const what = `${t.kind} ${t.namespace ? `${t.namespace}/` : ''}${t.name}`;
  decision.message = decision.allowed
    ? `${what} admitted${decision.warnings.length ? ` with ${decision.warnings.length} warning(s)` : ''}`
    : `image verification failed for ${what}: ${decision.denials.join('; ')}`;
  return decision;
}
