import type { Command } from 'commander';
import type { Descriptor } from '../../client/manifest.js';
import { type ReferrersMode, signImage } from '../../client/signatures/sign.js';
import { SignatureStore } from '../../client/signatures/store.js';
import { formatReference, parseReference, type Reference, referenceTarget } from '../../oci/reference.js';
import { clientFor, parseCreds, type RegistryFlags, withRegistryFlags } from './clients.js';
import {
  action,
  type CliIo,
  type OutputOptions,
  outputFormat,
  printJson,
  UsageError,
  withOutput,
} from './io.js';
import { loadPrivateKey } from './key.js';
import { collect } from './values.js';

/** Flags every supply-chain verb takes to reach the registry. */
export interface ImageFlags extends RegistryFlags {
  allowHttpRegistry?: boolean;
}

/** `--plain-http`, `--creds`, and cosign's `--allow-http-registry` (same as --plain-http). */
export function withImageFlags(cmd: Command): Command {
  return withRegistryFlags(cmd).option('--allow-http-registry', 'same as --plain-http (cosign’s name)');
}

/** An image reference resolved on its registry: where to read and write its artifacts, and its digest. */
export interface OpenImage {
  ref: Reference;
  /** `registry/repository`, what signatures name. */
  repository: string;
  store: SignatureStore;
  subject: Descriptor;
}

/** Parses a docker-style reference (`docker://` allowed), connects, and resolves it to its digest. */
export async function openImage(io: CliIo, refArg: string, flags: ImageFlags): Promise<OpenImage> {
  const ref = parseReference(refArg.replace(/^docker:\/\//, ''));
  const client = await clientFor(io, ref.registry, {
    plainHttp: flags.plainHttp === true || flags.allowHttpRegistry === true,
    credentials: parseCreds(flags.creds, '--creds'),
  });
  const store = new SignatureStore(client, ref.repository);
  const subject = await store.resolve(referenceTarget(ref));
  if (ref.digest && subject.digest !== ref.digest) {
    throw new Error(`${formatReference(ref)} resolved to ${subject.digest}`);
  }
  return { ref, repository: `${ref.registry}/${ref.repository}`, store, subject };
}

/** `-a key=value` flags → a map (a key given twice keeps the last value). */
export function parseAnnotations(values: readonly string[] | undefined, flag = '-a'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values ?? []) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new UsageError(`${flag} must be KEY=VALUE (got "${v}")`);
    out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

const MODES: readonly ReferrersMode[] = ['legacy', 'oci-1-1', 'both'];

export function parseMode(value: string | undefined): ReferrersMode {
  const mode = (value ?? 'both') as ReferrersMode;
  if (!MODES.includes(mode))
    throw new UsageError(`--registry-referrers-mode must be legacy, oci-1-1 or both`);
  return mode;
}

/** `--tlog-upload` takes `=false`/`=true` as cosign does; there is no transparency log here either way. */
export function withSigningFlags(cmd: Command): Command {
  return cmd
    .requiredOption('--key <path>', 'the encrypted private key (cosign.key)')
    .option('--tlog-upload [bool]', 'accepted for cosign compatibility; nothing is uploaded')
    .option('-y, --yes', 'accepted for cosign compatibility; nothing is asked')
    .option(
      '--registry-referrers-mode <mode>',
      'legacy (.sig/.att tags), oci-1-1 (Sigstore bundle referrers) or both',
      'both',
    );
}

interface SignFlags extends ImageFlags, OutputOptions {
  key: string;
  annotations?: string[];
  registryReferrersMode?: string;
}

async function runSign(io: CliIo, refArg: string, flags: SignFlags): Promise<void> {
  const format = outputFormat(flags);
  const mode = parseMode(flags.registryReferrersMode);
  const annotations = parseAnnotations(flags.annotations);
  const privateKey = await loadPrivateKey(io, flags.key);
  const img = await openImage(io, refArg, flags);
  const result = await signImage({
    store: img.store,
    subject: img.subject,
    dockerReference: img.repository,
    privateKey,
    annotations,
    mode,
  });
  if (format === 'json') {
    printJson(io, result);
    return;
  }
  const lines = [`Signed ${img.repository}@${result.digest}`];
  if (result.legacy) {
    lines.push(
      `  ${result.legacy.tag}: ${result.legacy.appended ? 'signature added' : 'already signed with this key'}`,
    );
  }
  if (result.referrer) lines.push(`  bundle referrer: ${result.referrer.digest}`);
  io.stdout(`${lines.join('\n')}\n`);
}

export function registerSign(program: Command, io: CliIo): void {
  const cmd = program
    .command('sign')
    .description('sign an image with a cosign key (a .sig layer and a Sigstore bundle referrer)')
    .argument('<ref>', 'HOST/REPO[:TAG][@DIGEST]')
    .option('-a, --annotations <key=value>', 'signed annotation (repeatable)', collect);
  withOutput(withImageFlags(withSigningFlags(cmd))).action(
    action(io, (ref: string, flags: SignFlags) => runSign(io, ref, flags)),
  );
}
