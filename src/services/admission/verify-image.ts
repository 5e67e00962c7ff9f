import {
  type BlockResult,
  type ConditionResult,
  evaluateConditions,
} from '../../supplychain/conditions/conditions.js';
import { KEYLESS_REFUSAL } from './diagnose.js';
import type { Check } from './explain.js';
import { isObject } from './fields.js';
import type { ImageRef } from './images.js';
import type { Attestation, AttestorSet, ImageVerification, KeyEntry } from './policy-types.js';
import type { ImageVerifier } from './verifier.js';

/** What one image is verified with: the verifier, its digest and the context conditions see. */
export interface ImageContext {
  verifier: ImageVerifier;
  ref: ImageRef;
  digest: string;
  /** Merged under the predicate as the conditions' root (`request.object…`). */
  request: unknown;
  /** Appended to an attestation's failure: what the static diagnosis says about that path. */
  hint: (path: string) => string | undefined;
  signal?: AbortSignal;
}

type EntryCheck = (entry: KeyEntry) => Promise<Check>;

/** An attestor set passes when `count` of its entries verify (all when unset); the rest are skipped. */
async function verifySet(set: AttestorSet, check: EntryCheck): Promise<Check> {
  const required = set.count ?? set.entries.length;
  const children: Check[] = [];
  let verified = 0;
  for (const entry of set.entries) {
    if (verified >= required) {
      children.push({
        what: entry.path,
        outcome: 'skip',
        reason: `not needed: ${verified} of ${required} verified`,
      });
    } else if (entry.kind === 'keyless') {
      children.push({ what: entry.path, outcome: 'fail', reason: KEYLESS_REFUSAL });
    } else {
      const c = entry.kind === 'key' ? await check(entry) : await verifySet(entry.set, check);
      children.push(entry.kind === 'nested' ? { ...c, what: entry.path } : c);
      if (c.outcome === 'pass') verified++;
    }
  }
  const ok = verified >= required;
  const of =
    set.count !== undefined
      ? `${verified} of ${required} required (count ${set.count})`
      : `${verified} of ${required}`;
  return { what: set.path, outcome: ok ? 'pass' : 'fail', reason: `${of} entries verified`, children };
}

function signatureCheck(ctx: ImageContext): EntryCheck {
  return async (entry) => {
    const r = await ctx.verifier.verifySignature(
      ctx.ref.reference,
      ctx.digest,
      [entry.publicKey],
      ctx.signal,
    );
    return r.ok
      ? { what: entry.path, outcome: 'pass', reason: `signature on ${ctx.digest} verifies with this key` }
      : { what: entry.path, outcome: 'fail', reason: r.reason };
  };
}

function conditionCheck(c: ConditionResult): Check {
  const shown = c.outcome === 'error' ? c.reason : `${c.operator}: ${c.reason}`;
  return { what: c.path, outcome: c.outcome === 'pass' ? 'pass' : 'fail', reason: shown };
}

function blockCheck(b: BlockResult): Check {
  return {
    what: b.path,
    outcome: b.outcome,
    reason: b.reason,
    children: [...(b.any ?? []), ...(b.all ?? [])].map(conditionCheck),
  };
}

function statementCheck(a: Attestation, ctx: ImageContext, s: Record<string, unknown>, i: number): Check {
  const what = `statement ${i + 1} (${a.type})`;
  if (!isObject(s.predicate))
    return { what, outcome: 'fail', reason: 'the statement has no predicate object' };
  const r = evaluateConditions(a.conditions, { request: ctx.request, ...s.predicate });
  return { what, outcome: r.outcome, reason: r.reason, children: r.blocks.map(blockCheck) };
}

function attestationCheck(a: Attestation, ctx: ImageContext): EntryCheck {
  return async (entry) => {
    const r = await ctx.verifier.attestations(
      ctx.ref.reference,
      ctx.digest,
      [entry.publicKey],
      a.type,
      ctx.signal,
    );
    if ('error' in r) return { what: entry.path, outcome: 'fail', reason: r.error };
    const statements = r.statements.filter(isObject);
    const selected = statements.filter((s) => s.predicateType === a.type);
    if (selected.length === 0) {
      const found = [...new Set(statements.map((s) => String(s.predicateType)))];
      const others = found.length ? `; found ${found.join(', ')}` : '';
      return {
        what: entry.path,
        outcome: 'fail',
        reason: `no attestation with predicateType ${a.type} verifies with this key${others}`,
      };
    }
    // Every selected statement must satisfy the conditions (Kyverno's verifyAttestation).
    const children = selected.map((s, i) => statementCheck(a, ctx, s, i));
    const failed = children.filter((c) => c.outcome === 'fail').length;
    return failed
      ? {
          what: entry.path,
          outcome: 'fail',
          reason: `${failed} of ${selected.length} statements fail the conditions`,
          children,
        }
      : {
          what: entry.path,
          outcome: 'pass',
          reason: `${selected.length} statement(s) verified and satisfy the conditions`,
          children,
        };
  };
}

async function verifyAttestation(vi: ImageVerification, a: Attestation, ctx: ImageContext): Promise<Check> {
  const what = a.name ? `${a.path} (${a.name})` : a.path;
  // Without attestors of its own, an attestation is checked with the entry's (Kyverno: keyless).
  const sets = a.attestors.length ? a.attestors : vi.attestors;
  if (sets.length === 0) {
    return {
      what,
      outcome: 'fail',
      reason: `no attestors: Kyverno would verify it keyless; ${KEYLESS_REFUSAL}`,
    };
  }
  const children: Check[] = [];
  for (const set of sets) children.push(await verifySet(set, attestationCheck(a, ctx)));
  const failed = children.find((c) => c.outcome === 'fail');
  if (!failed) return { what, outcome: 'pass', reason: `${a.type} verified`, children };
  const hint = ctx.hint(a.path);
  return {
    what,
    outcome: 'fail',
    reason: `${a.type} not verified${hint ? ` (hint: ${hint})` : ''}`,
    children,
  };
}

/** Rule-level attestors first, then each attestation; the first failure decides. */
export async function verifyImage(vi: ImageVerification, ctx: ImageContext): Promise<Check[]> {
  const checks: Check[] = [];
  for (const set of vi.attestors) {
    const c = await verifySet(set, signatureCheck(ctx));
    checks.push(c);
    if (c.outcome === 'fail') return checks;
  }
  for (const a of vi.attestations) {
    const c = await verifyAttestation(vi, a, ctx);
    checks.push(c);
    if (c.outcome === 'fail') return checks;
  }
  return checks;
}
