import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parsePolicy } from '../../client/signatures/policy.js';
import {
  type ArtifactRef,
  type VerifyReport,
  verifyAttestations,
  verifySignatures,
} from '../../client/signatures/verify.js';
import { predicateTypeFor } from '../../supplychain/index.js';
import { action, type CliIo, type OutputOptions, outputFormat, printJson, withOutput } from './io.js';
import { loadPublicKeys } from './key.js';
import { type ImageFlags, type OpenImage, openImage, parseAnnotations, withImageFlags } from './sign.js';
import { collect } from './values.js';

function where(a: ArtifactRef): string {
  return a.source === 'referrer' ? `referrer ${a.digest}` : `${a.tag ?? 'tag'} layer ${a.digest}`;
}

/** One line saying why nothing verified (or what failed the policy). */
export function failureLine(what: string, name: string, r: VerifyReport): string {
  if (r.failures.length > 0) {
    return `no valid ${what} for ${name}: ${r.failures.map((f) => `${where(f)}: ${f.reason}`).join('; ')}`;
  }
  if (r.skipped.length > 0) {
    const types = [...new Set(r.skipped.map((s) => s.predicateType))].join(', ');
    return `no ${what} of the wanted type for ${name} (found ${types})`;
  }
  const looked = r.checked === 'bundles' ? 'bundle referrers' : `bundle referrers or sha256-….${r.checked}`;
  const why = r.referrersError ? ` (listing referrers failed: ${r.referrersError})` : '';
  return `no ${what}s found for ${name}: no ${looked}${why}`;
}

function report(io: CliIo, img: OpenImage, r: VerifyReport, what: string, flags: OutputOptions): void {
  const format = outputFormat(flags);
  const name = `${img.repository}@${img.subject.digest}`;
  if (format === 'json') printJson(io, r);
  if (!r.ok) throw new Error(failureLine(what, name, r));
  if (format === 'json') return;
  const from = r.checked === 'bundles' ? 'Sigstore bundle referrers' : `sha256-….${r.checked}`;
  const lines = [`Verified ${r.verified.length} ${what}(s) of ${name} (${from}) with the given key:`];
  for (const v of r.verified) lines.push(JSON.stringify(v.payload));
  io.stdout(`${lines.join('\n')}\n`);
}

interface VerifyFlags extends ImageFlags, OutputOptions {
  key: string;
  annotations?: string[];
}

interface VerifyAttestationFlags extends VerifyFlags {
  type: string;
  policy?: string;
}

async function runVerify(io: CliIo, refArg: string, flags: VerifyFlags): Promise<void> {
  outputFormat(flags);
  const annotations = parseAnnotations(flags.annotations);
  const publicKeys = await loadPublicKeys(flags.key);
  const img = await openImage(io, refArg, flags);
  const r = await verifySignatures({ store: img.store, digest: img.subject.digest, publicKeys, annotations });
  report(io, img, r, 'signature', flags);
}

async function runVerifyAttestation(io: CliIo, refArg: string, flags: VerifyAttestationFlags): Promise<void> {
  outputFormat(flags);
  const predicateType = predicateTypeFor(flags.type);
  const policy = flags.policy === undefined ? undefined : parsePolicy(await readFile(flags.policy, 'utf8'));
  const publicKeys = await loadPublicKeys(flags.key);
  const img = await openImage(io, refArg, flags);
  const r = await verifyAttestations({
    store: img.store,
    digest: img.subject.digest,
    publicKeys,
    predicateType,
    ...(policy ? { policy } : {}),
  });
  report(io, img, r, 'attestation', flags);
}

function keyFlags(cmd: Command): Command {
  return withOutput(
    withImageFlags(
      cmd
        .argument('<ref>', 'HOST/REPO[:TAG][@DIGEST]')
        .requiredOption('--key <path>', 'the public key (cosign.pub); several PEM blocks are all trusted')
        .option('--insecure-ignore-tlog [bool]', 'accepted for cosign compatibility; there is no tlog here'),
    ),
  );
}

export function registerVerify(program: Command, io: CliIo): void {
  keyFlags(
    program
      .command('verify')
      .description('verify an image’s signatures with a public key (bundle referrers first, as cosign v3)')
      .option('-a, --annotations <key=value>', 'required annotation (repeatable)', collect),
  ).action(action(io, (ref: string, flags: VerifyFlags) => runVerify(io, ref, flags)));
  keyFlags(
    program
      .command('verify-attestation')
      .description('verify an image’s attestations of one type, optionally against a policy')
      .option(
        '--type <type>',
        'slsaprovenance, slsaprovenance1, spdx, cyclonedx, vuln, custom, or a URI',
        'custom',
      )
      .option(
        '--policy <file>',
        'conditions {all|any: [{key, operator, value}]} over the predicate (JSON/YAML)',
      ),
  ).action(action(io, (ref: string, flags: VerifyAttestationFlags) => runVerifyAttestation(io, ref, flags)));
}
