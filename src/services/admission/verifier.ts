/**
 * What the engine needs verified, injected. Images are Kyverno-normalised references
 * (`registry.internal/app:1.0`, `docker.io/nginx:latest`, `host/path@sha256:…`); keys are PEM
 * `PUBLIC KEY` blocks as the policy lists them. Implementations never throw for a verdict: a
 * missing signature or an unknown image is an answer (`ok: false`, `error`), not an exception.
 */
export interface ImageVerifier {
  /** The digest a tag points at now (the engine never calls this for an image pinned by digest). */
  resolve(image: string, signal?: AbortSignal): Promise<{ digest: string } | { error: string }>;

  /** Whether some cosign signature on `digest` verifies with one of `publicKeysPem` (which one: keyIndex). */
  verifySignature(
    image: string,
    digest: string,
    publicKeysPem: readonly string[],
    signal?: AbortSignal,
  ): Promise<{ ok: true; keyIndex: number } | { ok: false; reason: string }>;

  /**
   * The in-toto statements attached to `digest` whose DSSE signature verifies with one of
   * `publicKeysPem` and whose subject names `digest`, as parsed JSON. `predicateType` is a hint:
   * an implementation may return statements of other types too, and the engine selects those
   * whose predicateType equals it exactly (the others name what was found when nothing matches).
   */
  attestations(
    image: string,
    digest: string,
    publicKeysPem: readonly string[],
    predicateType: string,
    signal?: AbortSignal,
  ): Promise<{ statements: unknown[] } | { error: string }>;
}

function why(err: unknown): string {
  return `verification failed: ${err instanceof Error ? err.message : String(err)}`;
}

/** Turns a verifier's exceptions (storage down, timeout) into failed verdicts: admission fails closed. */
export function failClosed(v: ImageVerifier): ImageVerifier {
  const attempt = <T>(call: () => Promise<T>, failed: (reason: string) => T): Promise<T> =>
    Promise.resolve()
      .then(call)
      .catch((err: unknown) => failed(why(err)));
  return {
    resolve: (image, signal) =>
      attempt(
        () => v.resolve(image, signal),
        (error) => ({ error }),
      ),
    verifySignature: (image, digest, keys, signal) =>
      attempt(
        () => v.verifySignature(image, digest, keys, signal),
        (reason) => ({ ok: false as const, reason }),
      ),
    attestations: (image, digest, keys, type, signal) =>
      attempt(
        () => v.attestations(image, digest, keys, type, signal),
        (error) => ({ error }),
      ),
  };
}
