import { type Diagnostic, diagnose } from './diagnose.js';
import { evaluateRequest } from './evaluate.js';
import type { AdmissionDecision, Phase } from './explain.js';
import type { ClusterPolicy } from './policy-types.js';
import {
  type AdmissionRequest,
  type AdmissionReviewResponse,
  admissionResponse,
  parseAdmissionReview,
} from './review.js';
import { failClosed, type ImageVerifier } from './verifier.js';

export interface AdmissionEngineOptions {
  /** Parsed with parsePolicies(); evaluated in this order. */
  policies: readonly ClusterPolicy[];
  verifier: ImageVerifier;
}

/**
 * The verifyImages engine: AdmissionReview v1 in, decision with its explanation out. Pure apart
 * from the injected verifier; holds no state between requests.
 */
export class AdmissionEngine {
  readonly policies: readonly ClusterPolicy[];
  readonly #verifier: ImageVerifier;
  readonly #diagnostics: ReadonlyMap<string, readonly Diagnostic[]>;

  constructor(o: AdmissionEngineOptions) {
    const names = new Set<string>();
    for (const p of o.policies) {
      if (names.has(p.name)) throw new Error(`two policies are named ${p.name}`);
      names.add(p.name);
    }
    this.policies = o.policies;
    this.#verifier = failClosed(o.verifier);
    this.#diagnostics = new Map(o.policies.map((p) => [p.name, diagnose(p)]));
  }

  /** Static findings on every policy (the same `wharf policy test` prints). */
  diagnostics(): Diagnostic[] {
    return [...this.#diagnostics.values()].flat();
  }

  evaluate(request: AdmissionRequest, phase: Phase, signal?: AbortSignal): Promise<AdmissionDecision> {
    return evaluateRequest(
      {
        policies: this.policies,
        verifier: this.#verifier,
        diagnostics: this.#diagnostics,
        ...(signal ? { signal } : {}),
      },
      request,
      phase,
    );
  }

  /** Parses an AdmissionReview body (throws ReviewError when malformed) and answers it. */
  async review(
    body: unknown,
    phase: Phase,
    signal?: AbortSignal,
  ): Promise<{ review: AdmissionReviewResponse; decision: AdmissionDecision }> {
    const decision = await this.evaluate(parseAdmissionReview(body), phase, signal);
    return { review: admissionResponse(decision), decision };
  }
}
