import { tryParseDigest } from '../../oci/digest.js';
import { isRepositoryName, isTag } from '../../oci/names.js';
import { isObject } from './fields.js';

/** An image as Kyverno normalises it: `docker.io` added, the tag defaulting to `latest`, no `library/`. */
export interface ImageRef {
  registry: string;
  path: string;
  tag?: string;
  digest?: string;
  /** `registry/path@digest` when pinned, else `registry/path:tag`: what imageReferences match. */
  reference: string;
}

/** The pod spec of each kind that has one (Kubernetes AdmissionReview §5). */
export const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;

export interface FoundImage {
  /** RFC 6901 pointer to the `image` field: where a digest patch goes. */
  pointer: string;
  container: string;
  list: (typeof CONTAINER_LISTS)[number];
  /** The image string as written. */
  raw: string;
  /** Absent when `raw` is not an image reference; `error` says why. */
  ref?: ImageRef;
  error?: string;
}

/** Normalises an image reference the way Kyverno does (pkg/utils/image). Throws on a malformed one. */
export function normalizeImage(image: string): ImageRef {
  const s = image.trim();
  if (s === '') throw new Error('empty image reference');
  const at = s.indexOf('@');
  const digest = at === -1 ? undefined : s.slice(at + 1);
  if (digest !== undefined && !tryParseDigest(digest)) throw new Error(`invalid digest "${digest}"`);
  let name = at === -1 ? s : s.slice(0, at);
  let tag: string | undefined;
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) {
    tag = name.slice(colon + 1);
    name = name.slice(0, colon);
    if (!isTag(tag)) throw new Error(`invalid tag "${tag}"`);
  }
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  const isHost =
    first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase();
  const registry = isHost ? first : 'docker.io';
  const path = isHost ? name.slice(slash + 1) : name;
  if (!isRepositoryName(path)) throw new Error(`invalid repository name "${path}"`);
  if (tag === undefined && digest === undefined) tag = 'latest';
  const reference = digest ? `${registry}/${path}@${digest}` : `${registry}/${path}:${tag}`;
  return { registry, path, ...(tag !== undefined ? { tag } : {}), ...(digest ? { digest } : {}), reference };
}

/** `registry/path:tag@digest`, the value mutateDigest writes (Kyverno's makeAddDigestPatch). */
export function pinnedReference(ref: ImageRef, digest: string): string {
  return `${ref.registry}/${ref.path}${ref.tag !== undefined ? `:${ref.tag}` : ''}@${digest}`;
}

function escapePointer(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Reads the value at an RFC 6901 pointer, or undefined. */
export function valueAt(doc: unknown, pointer: string): unknown {
  if (pointer === '') return doc;
  let cur: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) cur = cur[Number(key)];
    else if (isObject(cur)) cur = cur[key];
    else return undefined;
  }
  return cur;
}

/** Whether `kind` carries a pod spec (a Pod or a pod controller). */
export function hasPodSpec(kind: string): boolean {
  return Object.hasOwn(POD_SPEC_PATHS, kind);
}

/** Every container image of a Pod or pod controller, in init, regular, ephemeral order. */
export function extractImages(kind: string, object: unknown): FoundImage[] {
  const specPath = POD_SPEC_PATHS[kind];
  if (!specPath) return [];
  const base = `/${specPath.map(escapePointer).join('/')}`;
  const spec = valueAt(object, base);
  if (!isObject(spec)) return [];
  const found: FoundImage[] = [];
  for (const list of CONTAINER_LISTS) {
    const containers = spec[list];
    if (!Array.isArray(containers)) continue;
    containers.forEach((c: unknown, i) => {
      if (!isObject(c) || typeof c.image !== 'string') return;
      const image: FoundImage = {
        pointer: `${base}/${list}/${i}/image`,
        container: typeof c.name === 'string' ? c.name : `${list}[${i}]`,
        list,
        raw: c.image,
      };
      try {
        image.ref = normalizeImage(c.image);
      } catch (err) {
        image.error = (err as Error).message;
      }
      found.push(image);
    });
  }
  return found;
}
