import type { Digest } from '../../oci/digest.js';
import { RegistryError } from '../../oci/errors.js';
import type { ManifestRecord } from '../../ports/meta-store.js';
import type { Admission, DeleteExpectations, Registry } from '../registry/index.js';
import type { EventInput, EventSink } from './types.js';

/** Receives failures to record an event (logged by createEventing); the operation's answer stands. */
export type EmitErrorHandler = (err: unknown, event: EventInput) => void;

const isDigest = (reference: string) => reference.includes(':');

/** Digest or tag of a reference, as event fields. */
function refFields(reference: string): Pick<EventInput, 'digest' | 'tag'> {
  return isDigest(reference) ? { digest: reference } : { tag: reference };
}

function failure(err: unknown): Pick<EventInput, 'outcome' | 'detail'> {
  const code = err instanceof RegistryError ? err.code : 'WHARF_ERR_INTERNAL';
  const message = err instanceof Error ? err.message : String(err);
  return { outcome: 'failure', detail: { code, message } };
}

/** An object that answers like `target` except for the methods in `overrides`. */
function override<T extends object>(target: T, overrides: Partial<T>): T {
  return Object.assign(Object.create(target) as T, overrides);
}

/** Emits without letting a recording failure change the operation's answer. */
function emitter(sink: EventSink, onError: EmitErrorHandler) {
  return async (event: EventInput): Promise<void> => {
    try {
      await sink.emit(event);
    } catch (err) {
      onError(err, event);
    }
  };
}

/**
 * The registry, emitting events: a manifest push is PUSH_ARTIFACT (and TAG_MOVED when it re-points
 * a tag), a manifest or blob delete is DELETE_ARTIFACT; refused attempts are events with outcome
 * 'failure' and the error code in detail. Reads emit nothing here: a pull is recorded by
 * {@link pullRecorder}, called on GET only (HEAD is not a pull, and this layer cannot tell them apart).
 */
export function withEvents(
  registry: Registry,
  sink: EventSink,
  onError: EmitErrorHandler = () => {},
): Registry {
  const emit = emitter(sink, onError);
  const { manifests, blobs } = registry;
  return {
    ...registry,
    manifests: override(manifests, {
      async put(repo: string, reference: string, contentType: string | undefined, body: Buffer) {
        const mediaType = contentType?.split(';')[0]?.trim();
        const base = { repository: repo, ...(mediaType ? { mediaType } : {}) };
        try {
          const result = await manifests.put(repo, reference, contentType, body);
          const tag = isDigest(reference) ? {} : { tag: reference };
          await emit({ type: 'PUSH_ARTIFACT', ...base, digest: result.digest, ...tag });
          if (result.previousTagDigest !== undefined && !isDigest(reference)) {
            const detail = { previousDigest: result.previousTagDigest };
            await emit({ type: 'TAG_MOVED', ...base, digest: result.digest, tag: reference, detail });
          }
          return result;
        } catch (err) {
          await emit({ type: 'PUSH_ARTIFACT', ...base, ...refFields(reference), ...failure(err) });
          throw err;
        }
      },
      async delete(repo: string, reference: string, o?: DeleteExpectations) {
        // A tag delete returns no digest: look it up first so the event says what the tag named.
        const digest = isDigest(reference)
          ? undefined
          : await manifests.get(repo, reference).then(
              (m) => m.digest,
              () => undefined,
            );
        try {
          const result = await manifests.delete(repo, reference, o);
          const fields = isDigest(reference)
            ? { digest: reference, detail: { kind: 'manifest', tags: result.tags } }
            : { tag: reference, ...(digest ? { digest } : {}), detail: { kind: 'tag' } };
          await emit({ type: 'DELETE_ARTIFACT', repository: repo, ...fields });
          return result;
        } catch (err) {
          await emit({ type: 'DELETE_ARTIFACT', repository: repo, ...refFields(reference), ...failure(err) });
          throw err;
        }
      },
    }),
    blobs: override(blobs, {
      async delete(repo: string, digest: Digest) {
        try {
          await blobs.delete(repo, digest);
          await emit({ type: 'DELETE_ARTIFACT', repository: repo, digest, detail: { kind: 'blob' } });
        } catch (err) {
          const f = failure(err);
          await emit({
            type: 'DELETE_ARTIFACT',
            repository: repo,
            digest,
            ...f,
            detail: { kind: 'blob', ...f.detail },
          });
          throw err;
        }
      },
    }),
  };
}

/**
 * PULL_ARTIFACT for a manifest GET that is being answered: `recordPull(repo, reference, manifest)`.
 * Never rejects; call it inside the request (actor and client IP come from the request context).
 */
export function pullRecorder(sink: EventSink, onError: EmitErrorHandler = () => {}) {
  const emit = emitter(sink, onError);
  return (repo: string, reference: string, manifest: ManifestRecord): Promise<void> =>
    emit({
      type: 'PULL_ARTIFACT',
      repository: repo,
      digest: manifest.digest,
      mediaType: manifest.mediaType,
      ...(isDigest(reference) ? {} : { tag: reference }),
    });
}

/** Runs `hook`, reporting a refusal before passing it on. */
function guarded<A extends unknown[]>(
  hook: ((...args: A) => Promise<void>) | undefined,
  self: Admission,
  onRefused: (err: unknown, ...args: A) => Promise<void>,
): ((...args: A) => Promise<void>) | undefined {
  if (!hook) return undefined;
  return async (...args: A) => {
    try {
      await hook.apply(self, args);
    } catch (err) {
      await onRefused(err, ...args);
      throw err;
    }
  };
}

/**
 * The admission hooks (quotas, provenance, tag immutability…), emitting POLICY_DECISION for each
 * refusal (DENIED), with the policy's detail (used/quota/needed bytes, the rule). Allowed pushes
 * and deletes are not events: the push or delete is.
 */
export function withPolicyEvents(
  admission: Admission,
  sink: EventSink,
  onError: EmitErrorHandler = () => {},
): Admission {
  const emit = emitter(sink, onError);
  const refused = async (
    err: unknown,
    repo: string,
    what: { digest: Digest; tag?: string | undefined },
    action: string,
  ) => {
    if (!(err instanceof RegistryError) || err.code !== 'DENIED') return;
    const extra =
      typeof err.detail === 'object' && err.detail !== null ? (err.detail as Record<string, unknown>) : {};
    await emit({
      type: 'POLICY_DECISION',
      repository: repo,
      digest: what.digest,
      ...(what.tag === undefined ? {} : { tag: what.tag }),
      outcome: 'failure',
      detail: { policy: 'quota', action, decision: 'deny', code: err.code, message: err.message, ...extra },
    });
  };
  const hooks: { [K in keyof Admission]: Admission[K] | undefined } = {
    beforeLinkBlob: guarded(admission.beforeLinkBlob, admission, (err, repo, blob) =>
      refused(err, repo, blob, 'push-blob'),
    ),
    beforeManifest: guarded(admission.beforeManifest, admission, (err, repo, m) =>
      refused(err, repo, { digest: m.digest }, 'push-manifest'),
    ),
    beforeTagMove: guarded(admission.beforeTagMove, admission, (err, repo, move) =>
      refused(err, repo, { digest: move.to, tag: move.tag }, 'move-tag'),
    ),
    beforeDelete: guarded(admission.beforeDelete, admission, (err, repo, target) =>
      refused(err, repo, { digest: target.digest, tag: target.tag }, target.tag ? 'delete-tag' : 'delete'),
    ),
  };
  // Absent hooks stay absent (exactOptionalPropertyTypes: no undefined-valued keys).
  return Object.fromEntries(Object.entries(hooks).filter(([, h]) => h !== undefined)) as Admission;
}
