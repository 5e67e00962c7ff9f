import type { Command } from 'commander';
import { type ApiClient, type ApiRequest, seg } from '../../client/api-client.js';
import { parseReference, type Reference } from '../../oci/reference.js';
import { action, type CliIo, type OutputFormat, outputFormat, withOutput } from './io.js';
import { type ApiFlags, apiFor } from './manage.js';

/** The management verbs on one artifact or tag (`HOST/REPO:TAG`): the server is the reference's host. */

export type RefFlags = Omit<ApiFlags, 'registry'>;

export const REF_HELP = `
The server is the reference's host (http for localhost, 127.0.0.1 and ::1, https elsewhere unless
--plain-http). Credentials: -u/-p or --password-stdin, else those stored by \`wharf login HOST\`.`;

/** What a verb on a reference is given. */
export interface RefCall<F extends RefFlags> {
  io: CliIo;
  flags: F;
  format: OutputFormat;
  ref: Reference;
  /** Whether the reference names its tag (`REPO:TAG`), rather than `latest` by default. */
  tagGiven: boolean;
  /** `/projects/{project}/repositories/{repository}` of the reference, for ApiClient paths. */
  repoPath: string;
  request: <T = unknown>(r: ApiRequest) => Promise<T>;
  list: <T>(r: Omit<ApiRequest, 'method' | 'body'>, limit?: number) => Promise<T[]>;
}

/** A subcommand of `parent` taking `<ref>` first, with the caller's flags and output flags. */
export function refVerb(parent: Command, name: string, description: string): Command {
  return parent
    .command(name)
    .description(description)
    .argument('<ref>', 'HOST/REPO:TAG or HOST/REPO@DIGEST')
    .addHelpText('after', REF_HELP);
}

/** The management API path of the reference's repository (its project is its first segment). */
export function repoPathOf(ref: Reference): string {
  const project = ref.repository.split('/')[0] ?? ref.repository;
  return `/projects/${seg(project)}/repositories/${seg(ref.repository)}`;
}

/** Adds the flags and the action: `fn` gets the call and the arguments after the reference. */
export function runOnRef<F extends RefFlags, A extends string[]>(
  io: CliIo,
  cmd: Command,
  fn: (call: RefCall<F>, args: A) => Promise<void>,
): void {
  withOutput(
    cmd
      .option('--plain-http', 'use http instead of https (default only for localhost, 127.0.0.1 and ::1)')
      .option(
        '-u, --username <user>',
        'log in as this user (default: the docker config entry for the server)',
      )
      .option('-p, --password <password>', 'your password (with -u); prefer --password-stdin')
      .option('--password-stdin', 'read your password (with -u) from stdin'),
  ).action(
    action(io, async () => {
      const flags = cmd.opts<F>();
      const format = outputFormat(flags);
      const [refArg = '', ...rest] = cmd.processedArgs as string[];
      const ref = parseReference(refArg.replace(/^docker:\/\//, ''));
      let client: Promise<ApiClient> | undefined;
      const api = () => (client ??= apiFor(io, { ...flags, registry: ref.registry }));
      await fn(
        {
          io,
          flags,
          format,
          ref,
          tagGiven: (refArg.split('/').pop() ?? '').split('@')[0]?.includes(':') === true,
          repoPath: repoPathOf(ref),
          request: async (r) => (await api()).request(r),
          list: async (r, limit) => (await api()).list(r, limit),
        },
        rest as A,
      );
    }),
  );
}

/** The digest or tag the reference names (the digest wins). */
export function referenceOf(ref: Reference): string {
  return ref.digest ?? ref.tag ?? 'latest';
}

/** `sha256:0123456789ab` (12 hex digits) for tables; null stays null. */
export function shortDigest(d: string | null): string | null {
  if (d === null) return null;
  const colon = d.indexOf(':');
  return colon === -1 ? d : d.slice(0, colon + 13);
}
