import type { Descriptor } from '../manifest.js';
import {
  type ArtifactKind,
  BUNDLE_MEDIA_PREFIX,
  BUNDLE_PREDICATE_TYPE_ANNOTATION,
  CERTIFICATE_ANNOTATION,
  PREDICATE_TYPE_ANNOTATION,
} from './layout.js';
import type { Attached, SignatureStore } from './store.js';

/** One thing attached to an image, as `wharf tree` lists it. */
export interface TreeItem {
  kind: ArtifactKind;
  source: 'referrer' | 'tag';
  /** The referrer manifest's digest, or the layer's digest inside a cosign tag. */
  digest: string;
  mediaType: string;
  artifactType?: string;
  tag?: string;
  predicateType?: string;
  /** For bundles: `verificationMaterial.publicKey.hint`; `certificate` for keyless ones. */
  keyHint?: string;
  annotations?: Record<string, string>;
}

export interface Tree {
  digest: string;
  signatures: TreeItem[];
  attestations: TreeItem[];
  sboms: TreeItem[];
  other: TreeItem[];
}

/** The key hint a bundle names (read leniently: this is a listing, not a verification). */
function bundleHint(bytes: Buffer): string | undefined {
  try {
    const b = JSON.parse(bytes.toString('utf8')) as {
      verificationMaterial?: { publicKey?: { hint?: unknown }; certificate?: unknown };
    };
    const hint = b.verificationMaterial?.publicKey?.hint;
    if (typeof hint === 'string') return hint;
    return b.verificationMaterial?.certificate ? 'certificate' : undefined;
  } catch {
    return undefined;
  }
}

async function referrerItem(store: SignatureStore, a: Attached): Promise<TreeItem> {
  const item: TreeItem = { kind: a.kind, source: 'referrer', digest: a.digest, mediaType: a.mediaType };
  if (a.artifactType) item.artifactType = a.artifactType;
  const predicateType = a.annotations[BUNDLE_PREDICATE_TYPE_ANNOTATION];
  if (predicateType) item.predicateType = predicateType;
  const [layer] = a.layers;
  if (a.layers.length === 1 && layer?.mediaType.startsWith(BUNDLE_MEDIA_PREFIX)) {
    const hint = bundleHint(await store.blob(layer));
    if (hint) item.keyHint = hint;
  }
  if (Object.keys(a.annotations).length > 0) item.annotations = a.annotations;
  return item;
}

function layerItem(a: Attached, layer: Descriptor): TreeItem {
  const item: TreeItem = { kind: a.kind, source: 'tag', digest: layer.digest, mediaType: layer.mediaType };
  if (a.tag) item.tag = a.tag;
  const predicateType = layer.annotations?.[PREDICATE_TYPE_ANNOTATION];
  if (predicateType) item.predicateType = predicateType;
  if (layer.annotations?.[CERTIFICATE_ANNOTATION]) item.keyHint = 'certificate';
  return item;
}

/** Everything attached to `subject`, grouped by kind. */
export async function attachedTree(store: SignatureStore, subject: Descriptor): Promise<Tree> {
  const tree: Tree = { digest: subject.digest, signatures: [], attestations: [], sboms: [], other: [] };
  const group = {
    signature: tree.signatures,
    attestation: tree.attestations,
    sbom: tree.sboms,
    other: tree.other,
  };
  for (const a of await store.discover(subject.digest)) {
    if (a.source === 'referrer') group[a.kind].push(await referrerItem(store, a));
    else for (const l of a.layers) group[a.kind].push(layerItem(a, l));
  }
  return tree;
}
