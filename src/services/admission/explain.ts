import type { Diagnostic } from './diagnose.js';
import type { FailureAction, Operation } from './policy-types.js';

export type Outcome = 'pass' | 'fail' | 'skip';
export type Phase = 'mutate' | 'validate';

/** One node of the explanation tree: what was checked (a policy path), how it came out and why. */
export interface Check {
  what: string;
  outcome: Outcome;
  reason: string;
  children?: Check[];
}

export interface JsonPatchOp {
  op: 'replace';
  path: string;
  value: string;
}

export interface ImageResult {
  /** The verifyImages entry that judged the image. */
  entry: string;
  container: string;
  pointer: string;
  /** As written in the resource. */
  image: string;
  /** Kyverno-normalised. */
  reference?: string;
  digest?: string;
  mode: FailureAction;
  outcome: Outcome;
  reason: string;
  /** A skipped image that passes with a warning (skipImageReferences). */
  warning?: string;
  patch?: JsonPatchOp;
  checks: Check[];
}

export interface RuleResult {
  /** The rule's name, or its autogen name for a pod controller. */
  rule: string;
  path: string;
  outcome: Outcome;
  reason: string;
  images: ImageResult[];
}

export interface PolicyResult {
  policy: string;
  mode: FailureAction;
  rules: RuleResult[];
}

/** The engine's answer for one admission request; also what `onDecision` receives. */
export interface AdmissionDecision {
  uid: string;
  phase: Phase;
  allowed: boolean;
  operation: Operation;
  kind: string;
  namespace: string;
  name: string;
  /** `request.userInfo.username`, when given. */
  user?: string;
  dryRun: boolean;
  /** How many rules applied to the resource (0: no policy had anything to say). */
  matched: number;
  /** One line: the denial, or what was admitted. */
  message: string;
  /** Enforce failures, each naming policy, rule and image. */
  denials: string[];
  /** Audit failures and skipped images. */
  warnings: string[];
  /** Tag → digest rewrites (mutate phase only). */
  patches: JsonPatchOp[];
  policies: PolicyResult[];
  /** Static findings on the policies that applied (the seed trap, keyless entries, …). */
  diagnostics: Diagnostic[];
}

/** `what: reason` of the failing check and of the first failure at the bottom of it, paths without `strip`. */
export function failureChain(c: Check, strip = ''): string {
  const rel = (x: Check) => `${x.what.startsWith(strip) ? x.what.slice(strip.length) : x.what}: ${x.reason}`;
  let leaf = c;
  for (
    let next = leaf.children?.find((x) => x.outcome === 'fail');
    next;
    next = next.children?.find((x) => x.outcome === 'fail')
  ) {
    leaf = next;
  }
  return leaf === c ? rel(c) : `${rel(c)} → ${rel(leaf)}`;
}

const MARK: Record<Outcome, string> = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' };

function renderCheck(c: Check, strip: string, indent: string, out: string[]): void {
  const what = c.what.startsWith(strip) ? c.what.slice(strip.length) : c.what;
  out.push(`${indent}${MARK[c.outcome]} ${what}: ${c.reason}`);
  for (const child of c.children ?? []) renderCheck(child, strip, `${indent}  `, out);
}

/** The explanation tree as indented text lines. */
export function renderDecision(d: AdmissionDecision): string[] {
  const out = [
    `${d.phase}: ${d.allowed ? 'ADMITTED' : 'DENIED'} ${d.operation} ${d.kind} ${d.namespace ? `${d.namespace}/` : ''}${d.name}`,
  ];
  for (const p of d.policies) {
    out.push(`  policy ${p.policy} (${p.mode})`);
    for (const r of p.rules) {
      out.push(`    ${MARK[r.outcome]} rule ${r.rule} (${r.path}): ${r.reason}`);
      for (const i of r.images) {
        const ref = i.reference && i.reference !== i.image ? ` (${i.reference})` : '';
        out.push(`      ${MARK[i.outcome]} ${i.container}: ${i.image}${ref} [${i.mode}]: ${i.reason}`);
        for (const c of i.checks) renderCheck(c, i.entry, '        ', out);
        if (i.patch) out.push(`        patch: replace ${i.patch.path} with ${i.patch.value}`);
      }
    }
  }
  for (const w of d.warnings) out.push(`  warning: ${w}`);
  for (const x of d.denials) out.push(`  denied: ${x}`);
  return out;
}
