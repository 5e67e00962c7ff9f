import { type Document, isMap, isScalar, LineCounter, parseAllDocuments } from 'yaml';
import { FieldReader, formatPath, isObject, type Obj, type Path } from './fields.js';
import { failureAction, readImageVerification } from './policy-images.js';
import type { ClusterPolicy, MatchBlock, Operation, ResourceFilter, Rule } from './policy-types.js';

export * from './policy-types.js';

/** A policy outside the supported subset; `problems` are `source:line: path: what` lines. */
export class PolicyError extends Error {
  readonly problems: readonly string[];
  constructor(source: string, problems: string[]) {
    super(`${source} is not a supported policy:\n  ${problems.join('\n  ')}`);
    this.name = 'PolicyError';
    this.problems = problems;
  }
}

export const AUTOGEN_ANNOTATION = 'pod-policies.kyverno.io/autogen-controllers';
export const POD_CONTROLLERS = [
  'DaemonSet',
  'Deployment',
  'Job',
  'StatefulSet',
  'ReplicaSet',
  'ReplicationController',
  'CronJob',
] as const;

const API_VERSIONS = ['kyverno.io/v1', 'kyverno.io/v2beta1'];
const OPERATIONS: readonly Operation[] = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'];
const SERVER_METADATA = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'finalizers',
  'ownerReferences',
  'selfLink',
  'generateName',
];
const NOT_VERIFY = 'only verifyImages rules are supported';
const BY_USER = 'matching on the requesting user or role is not supported';

/**
 * Parses every YAML document of `text` (empty documents are skipped) into policies. Throws a
 * PolicyError listing every problem, each with its line and path, when anything is outside the subset.
 */
export function parsePolicies(text: string, source = 'policy'): ClusterPolicy[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter });
  const problems: string[] = [];
  const policies: ClusterPolicy[] = [];
  for (const doc of Array.isArray(docs) ? docs : []) {
    const syntax = doc.errors[0];
    if (syntax) {
      const line = lineCounter.linePos(syntax.pos[0]).line;
      problems.push(`${source}:${line}: ${syntax.message.split('\n')[0]}`);
      continue;
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) continue;
    const where = (path: Path) => {
      const line = lineOf(doc, lineCounter, path);
      return `${source}${line === undefined ? '' : `:${line}`}: ${formatPath(path)}`;
    };
    const r = new FieldReader(where);
    const policy = readPolicy(r, value);
    problems.push(...r.problems);
    if (policy && r.problems.length === 0) policies.push(policy);
  }
  if (problems.length > 0) throw new PolicyError(source, problems);
  if (policies.length === 0) throw new PolicyError(source, [`${source}: no ClusterPolicy document`]);
  return policies;
}

/** The line of the field at `path` (its key, when it is a map entry), or of its nearest ancestor. */
function lineOf(doc: Document, lines: LineCounter, path: Path): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const last = path[n - 1];
    const parent = n > 0 ? doc.getIn(path.slice(0, n - 1), true) : undefined;
    if (typeof last === 'string' && isMap(parent)) {
      const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === last);
      const key = pair?.key as { range?: [number, number, number] } | undefined;
      if (key?.range) return lines.linePos(key.range[0]).line;
    }
    const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node?.range) return lines.linePos(node.range[0]).line;
  }
  return undefined;
}

function readPolicy(r: FieldReader, doc: unknown): ClusterPolicy | undefined {
  const top = r.object([], doc, { known: ['apiVersion', 'kind', 'metadata', 'spec'], ignored: ['status'] });
  if (!top) return undefined;
  const apiVersion = r.string(['apiVersion'], top.apiVersion, true);
  if (apiVersion && !API_VERSIONS.includes(apiVersion)) {
    r.fail(['apiVersion'], `expected ${API_VERSIONS.join(' or ')}, got "${apiVersion}"`);
  }
  const kind = r.string(['kind'], top.kind, true);
  if (kind === 'Policy') r.fail(['kind'], 'namespaced Policy is not supported; write a ClusterPolicy');
  else if (kind && kind !== 'ClusterPolicy') r.fail(['kind'], `expected ClusterPolicy, got "${kind}"`);
  const meta = r.object(['metadata'], top.metadata, {
    known: ['name', 'annotations', 'labels'],
    ignored: SERVER_METADATA,
  });
  const name = r.string(['metadata', 'name'], meta?.name, true) ?? '';
  const spec = r.object(['spec'], top.spec, {
    known: ['validationFailureAction', 'rules', 'admission'],
    ignored: ['background', 'failurePolicy', 'webhookTimeoutSeconds', 'schemaValidation', 'emitWarning'],
    refused: {
      validationFailureActionOverrides: 'per-namespace actions are not supported; split the policy',
      applyRules: 'rules always apply all (the default)',
      webhookConfiguration: 'configure the webhook in the ValidatingWebhookConfiguration',
      mutateExistingOnPolicyUpdate: NOT_VERIFY,
      generateExisting: NOT_VERIFY,
      useServerSideApply: NOT_VERIFY,
    },
  });
  if (!spec) return undefined;
  if (spec.admission === false)
    r.fail(['spec', 'admission'], 'a policy with admission: false never runs here');
  return {
    name,
    validationFailureAction:
      failureAction(r, ['spec', 'validationFailureAction'], spec.validationFailureAction) ?? 'Audit',
    autogenControllers: autogen(r, meta?.annotations),
    rules: r.list(['spec', 'rules'], spec.rules, (p, v) => readRule(r, p, v), true),
  };
}

function autogen(r: FieldReader, annotations: unknown): readonly string[] {
  const path = ['metadata', 'annotations', AUTOGEN_ANNOTATION];
  const raw = isObject(annotations) ? r.string(path, annotations[AUTOGEN_ANNOTATION]) : undefined;
  if (raw === undefined) return POD_CONTROLLERS;
  if (raw.trim() === 'none') return [];
  const kinds = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const k of kinds) {
    if (!(POD_CONTROLLERS as readonly string[]).includes(k)) {
      r.fail(path, `unknown controller "${k}" (one of ${POD_CONTROLLERS.join(', ')}, or none)`);
    }
  }
  return kinds;
}

function readRule(r: FieldReader, path: Path, v: unknown): Rule | undefined {
  const o = r.object(path, v, {
    known: ['name', 'match', 'exclude', 'verifyImages'],
    ignored: ['skipBackgroundRequests'],
    refused: {
      validate: NOT_VERIFY,
      mutate: NOT_VERIFY,
      generate: NOT_VERIFY,
      preconditions: "preconditions need Kyverno's full variable context; use match and exclude",
      celPreconditions: 'CEL preconditions are not supported; use match and exclude',
      context: 'external data (ConfigMaps, API calls, image registries) is not available',
      imageExtractors: 'custom image extractors are not supported; images are read from pod specs',
    },
  });
  if (!o) return undefined;
  const name = r.string([...path, 'name'], o.name, true) ?? '';
  const match = readMatch(r, [...path, 'match'], o.match, true);
  const exclude = o.exclude === undefined ? undefined : readMatch(r, [...path, 'exclude'], o.exclude, false);
  const verifyImages = r.list(
    [...path, 'verifyImages'],
    o.verifyImages,
    (p, x) => readImageVerification(r, p, x),
    true,
  );
  if (!match) return undefined;
  return { name, path: formatPath(path), match, ...(exclude ? { exclude } : {}), verifyImages };
}

function readMatch(r: FieldReader, path: Path, v: unknown, required: boolean): MatchBlock | undefined {
  if (v === undefined && !required) return undefined;
  const o = r.object(path, v, {
    known: ['any', 'all', 'resources'],
    refused: { subjects: BY_USER, roles: BY_USER, clusterRoles: BY_USER },
  });
  if (!o) return undefined;
  const block: MatchBlock = {};
  if (o.any !== undefined) block.any = r.list([...path, 'any'], o.any, (p, x) => readHolder(r, p, x), true);
  const all = o.all === undefined ? [] : r.list([...path, 'all'], o.all, (p, x) => readHolder(r, p, x), true);
  // The legacy form (`match.resources`) is one filter that must hold.
  if (o.resources !== undefined) {
    const legacy = readResources(r, [...path, 'resources'], o.resources);
    if (legacy) all.push(legacy);
  }
  if (all.length > 0) block.all = all;
  if (o.any === undefined && o.all === undefined && o.resources === undefined) {
    r.fail(path, 'needs any, all or resources');
  }
  return block;
}

function readHolder(r: FieldReader, path: Path, v: unknown): ResourceFilter | undefined {
  const o = r.object(path, v, {
    known: ['resources'],
    refused: { subjects: BY_USER, roles: BY_USER, clusterRoles: BY_USER },
  });
  if (!o) return undefined;
  return readResources(r, [...path, 'resources'], o.resources);
}

function readResources(r: FieldReader, path: Path, v: unknown): ResourceFilter | undefined {
  const o: Obj | undefined = r.object(path, v, {
    known: ['kinds', 'namespaces', 'names', 'name', 'operations'],
    refused: {
      selector: 'label selectors are not supported; match on kinds, namespaces and names',
      namespaceSelector: "namespace selectors need the namespace's labels from the cluster",
      annotations: 'annotation matching is not supported',
    },
  });
  if (!o) return undefined;
  const filter: ResourceFilter = {
    path: formatPath(path),
    kinds: r.strings([...path, 'kinds'], o.kinds, true),
  };
  if (o.namespaces !== undefined) filter.namespaces = r.strings([...path, 'namespaces'], o.namespaces);
  const names = o.names === undefined ? [] : r.strings([...path, 'names'], o.names);
  const single = r.string([...path, 'name'], o.name);
  if (single !== undefined) names.push(single);
  if (o.names !== undefined || single !== undefined) filter.names = names;
  if (o.operations !== undefined) {
    filter.operations = r.list([...path, 'operations'], o.operations, (p, x) => {
      if (OPERATIONS.includes(x as Operation)) return x as Operation;
      r.fail(p, `expected one of ${OPERATIONS.join(', ')}`);
      return undefined;
    });
  }
  return filter;
}
