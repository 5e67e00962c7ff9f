import type { Digest } from '../../oci/digest.js';
import type { Approval, GateResult, PromotionGates } from '../../ports/promotion-store.js';
import { checkSelector, globMatches, RuleError } from '../lifecycle/index.js';
import type { Check } from '../supplychain/index.js';
import { trustedKeys } from '../supplychain/verify.js';
import { invalid } from './errors.js';
import { isSemver, SEMVER_DESCRIPTION } from './semver.js';

export const MAX_GATE_ENTRIES = 32;
const NAME_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** What every gate is shown: the artifact (by digest, resolved once), where it goes, what is recorded. */
export interface GateInput {
  sourceRepository: string;
  sourceProject: string;
  digest: Digest;
  target: string;
  tag: string;
  gates: PromotionGates;
  /** The target project's trusted keys (PEM). */
  trustedKeys: readonly string[];
  approvals: readonly Approval[];
}

/**
 * One check of a promotion: it returns a result for each thing it requires (never throws for a
 * refusal). The list of checks is the extension point: a "no Critical/High vulnerabilities" gate is
 * one more entry here, reading the scanner's verdict for `input.digest`.
 */
export interface GateCheck {
  run(input: GateInput): Promise<GateResult[]>;
}

/** How gates read signatures and attestations: SignatureChecker's answers. */
export interface GateEvidence {
  signed(repo: string, digest: Digest, keys: ReturnType<typeof trustedKeys>): Promise<Check>;
  predicateTypes(repo: string, digest: Digest, keys: ReturnType<typeof trustedKeys>): Promise<string[]>;
}

const ok = (gate: string, reason: string): GateResult => ({ gate, ok: true, reason });
const no = (gate: string, reason: string): GateResult => ({ gate, ok: false, reason });

const sourceCheck: GateCheck = {
  async run({ gates, sourceProject, target }) {
    if (gates.from.length === 0) return [ok('source', 'any project may promote here')];
    return gates.from.includes(sourceProject)
      ? [ok('source', `${sourceProject} may promote into ${target}`)]
      : [no('source', `${target} accepts promotions only from ${gates.from.join(', ')}`)];
  },
};

/** Why `tag` may not be produced under these gates (semver, or the project's own glob); null: it may. */
export function tagRefusal(gates: PromotionGates, tag: string): string | null {
  if (gates.tagPattern === null) return isSemver(tag) ? null : `${tag} is not ${SEMVER_DESCRIPTION}`;
  return globMatches(gates.tagPattern, tag) ? null : `${tag} does not match ${gates.tagPattern}`;
}

function evidenceChecks(evidence: GateEvidence): GateCheck[] {
  const signature: GateCheck = {
    async run(i) {
      if (!i.gates.requireSignature) return [];
      const keys = trustedKeys(i.trustedKeys);
      if (keys.keys.length === 0) return [no('signature', `project ${i.target} trusts no key`)];
      const c = await evidence.signed(i.sourceRepository, i.digest, keys);
      return [c.ok ? ok('signature', `signed: ${c.via}`) : no('signature', c.reason)];
    },
  };
  const attestations: GateCheck = {
    async run(i) {
      if (i.gates.requiredAttestations.length === 0) return [];
      const keys = trustedKeys(i.trustedKeys);
      const found =
        keys.keys.length === 0 ? [] : await evidence.predicateTypes(i.sourceRepository, i.digest, keys);
      return i.gates.requiredAttestations.map((type) =>
        found.includes(type)
          ? ok(`attestation:${type}`, `a ${type} attestation signed by a key ${i.target} trusts`)
          : no(
              `attestation:${type}`,
              keys.keys.length === 0
                ? `project ${i.target} trusts no key`
                : `no ${type} attestation of ${i.digest} signed by a key ${i.target} trusts`,
            ),
      );
    },
  };
  return [signature, attestations];
}

const approvalCheck: GateCheck = {
  async run(i) {
    return i.gates.requiredApprovals.map((name) => {
      const by = i.approvals.filter((a) => a.name === name).map((a) => a.actor.name);
      return by.length > 0
        ? ok(`approval:${name}`, `approved by ${[...new Set(by)].join(', ')}`)
        : no(`approval:${name}`, `no ${name} approval of ${i.digest} for ${i.target}`);
    });
  },
};

/** The built-in checks, in the order their results are reported. */
export function builtInChecks(evidence: GateEvidence): GateCheck[] {
  return [sourceCheck, ...evidenceChecks(evidence), approvalCheck];
}

/** Runs every check (all of them: a refusal lists every failing gate, not only the first). */
export async function evaluateGates(checks: readonly GateCheck[], input: GateInput): Promise<GateResult[]> {
  const out: GateResult[] = [];
  for (const c of checks) out.push(...(await c.run(input)));
  return out;
}

function names(field: string, values: readonly string[], re: RegExp | null): string[] {
  if (values.length > MAX_GATE_ENTRIES)
    throw invalid(`${field} holds more than ${MAX_GATE_ENTRIES} entries`, { field });
  for (const [i, v] of values.entries())
    if (re ? !re.test(v) : v.length === 0 || v.length > 256)
      throw invalid(`${field}[${i}] is not a valid entry: "${v.slice(0, 100)}"`, { field: `${field}[${i}]` });
  return [...new Set(values)];
}

/** Checks and normalises gates (duplicates dropped, the tag pattern a valid glob); else 400. */
export function checkGates(g: PromotionGates): PromotionGates {
  const pattern = g.tagPattern;
  // A glob, as in immutability rules, not a regular expression: a project admin's pattern runs on
  // every promotion, and a glob compiles to an expression that cannot backtrack catastrophically.
  if (pattern !== null) {
    try {
      checkSelector('tags', { decoration: 'matching', pattern });
    } catch (err) {
      if (err instanceof RuleError)
        throw invalid(`tagPattern: ${err.message.replace(/^tags\.pattern: /, '')}`, { field: 'tagPattern' });
      throw err;
    }
  }
  return {
    from: names('from', g.from, /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/),
    requireSignature: g.requireSignature,
    requiredAttestations: names('requiredAttestations', g.requiredAttestations, null),
    requiredApprovals: names('requiredApprovals', g.requiredApprovals, NAME_RE),
    tagPattern: pattern,
  };
}

export function isApprovalName(name: string): boolean {
  return NAME_RE.test(name);
}
