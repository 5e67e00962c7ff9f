import type { ReplicationFilters } from '../../ports/replication-store.js';
import { globMatches, globRegExp } from '../lifecycle/glob.js';

/**
 * Replication filters as pure functions. Globs are the doublestar globs of the tag rules
 * (services/lifecycle/glob.ts): `**` matches across `/`, `*` and `?` stay within a path segment,
 * `{a,b}` are alternatives; everything else is literal.
 */

export { globMatches };

function braceEnd(pattern: string, open: number): number {
  let depth = 0;
  for (let i = open; i < pattern.length; i++) {
    if (pattern[i] === '{') depth++;
    else if (pattern[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

/** Splits `a,b{c,d}` at its top-level commas. */
function alternatives(body: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (c === ',' && depth === 0) {
      out.push(body.slice(start, i));
      start = i + 1;
    }
  }
  out.push(body.slice(start));
  return out;
}

/** The literal names a glob without wildcards stands for (`a/{b,c}` → `a/b`, `a/c`); undefined if it has wildcards. */
export function literalNames(pattern: string): string[] | undefined {
  if (/[*?]/.test(pattern)) return undefined;
  const open = pattern.indexOf('{');
  if (open === -1) return [pattern];
  const end = braceEnd(pattern, open);
  if (end === -1) return [pattern];
  const head = pattern.slice(0, open);
  const tails = literalNames(pattern.slice(end + 1)) ?? [];
  const out: string[] = [];
  for (const alt of alternatives(pattern.slice(open + 1, end))) {
    for (const mid of literalNames(alt) ?? []) for (const tail of tails) out.push(`${head}${mid}${tail}`);
  }
  return out;
}

/** cosign's `sha256-<hex>.sig|.att|.sbom` and the referrers fallback `sha256-<hex>`: attachments, not artifacts. */
const ATTACHMENT_TAG_RE = /^[a-z0-9]+-[a-f0-9]{32,}(?:\.(?:sig|att|sbom))?$/;

export function isAttachmentTag(tag: string): boolean {
  return ATTACHMENT_TAG_RE.test(tag);
}

/** The subject digest an attachment tag is named after (`sha256-<hex>.sig` → `sha256:<hex>`). */
export function attachmentSubject(tag: string): string | undefined {
  if (!isAttachmentTag(tag)) return undefined;
  const base = tag.replace(/\.(sig|att|sbom)$/, '');
  const dash = base.indexOf('-');
  return `${base.slice(0, dash)}:${base.slice(dash + 1)}`;
}

/** A repository is in a project when it is the project or under it. */
export function inProject(project: string | null, repository: string): boolean {
  return project === null || repository === project || repository.startsWith(`${project}/`);
}

export function repositoryMatches(f: ReplicationFilters, repository: string): boolean {
  return f.repository === undefined || globMatches(f.repository, repository);
}

/** Tags the policy replicates: matching the tag glob, and never attachment tags (they travel with their subject). */
export function tagMatches(f: ReplicationFilters, tag: string): boolean {
  return !isAttachmentTag(tag) && (f.tag === undefined || globMatches(f.tag, tag));
}

/** `key` or `key=value`. */
export function parseLabel(label: string): { key: string; value?: string } {
  const eq = label.indexOf('=');
  return eq === -1 ? { key: label } : { key: label.slice(0, eq), value: label.slice(eq + 1) };
}

export function labelsMatch(label: string, labels: Record<string, string>): boolean {
  const { key, value } = parseLabel(label);
  const found = labels[key];
  return found !== undefined && (value === undefined || found === value);
}

/** Whether a glob is well formed (balanced braces, no stray commas), of a sane length, printable. */
export function isGlob(pattern: string): boolean {
  if (pattern.length === 0 || pattern.length > 512) return false;
  if ([...pattern].some((c) => c.charCodeAt(0) < 0x20)) return false;
  try {
    globRegExp(pattern);
    return true;
  } catch {
    return false;
  }
}
