import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { attestImage } from '../../client/signatures/attest.js';
import { action, type CliIo, type OutputOptions, outputFormat, printJson, withOutput } from './io.js';
import { loadPrivateKey } from './key.js';
import { type ImageFlags, openImage, parseMode, withImageFlags, withSigningFlags } from './sign.js';

interface AttestFlags extends ImageFlags, OutputOptions {
  key: string;
  predicate: string;
  type: string;
  replace?: boolean;
  registryReferrersMode?: string;
}

async function runAttest(io: CliIo, refArg: string, flags: AttestFlags): Promise<void> {
  const format = outputFormat(flags);
  const mode = parseMode(flags.registryReferrersMode);
  const predicate = await readFile(flags.predicate);
  const privateKey = await loadPrivateKey(io, flags.key);
  const img = await openImage(io, refArg, flags);
  const result = await attestImage({
    store: img.store,
    subject: img.subject,
    dockerReference: img.repository,
    privateKey,
    type: flags.type,
    predicate,
    replace: flags.replace === true,
    mode,
  });
  if (format === 'json') {
    printJson(io, result);
    return;
  }
  const lines = [`Attested ${img.repository}@${result.digest} (${result.predicateType})`];
  if (result.legacy) {
    const replaced = result.legacy.replaced > 0 ? `, ${result.legacy.replaced} replaced` : '';
    lines.push(`  ${result.legacy.tag}: attestation added${replaced}`);
  }
  if (result.referrer) lines.push(`  bundle referrer: ${result.referrer.digest}`);
  io.stdout(`${lines.join('\n')}\n`);
}

export function registerAttest(program: Command, io: CliIo): void {
  const cmd = program
    .command('attest')
    .description('attest an image: a signed in-toto statement in .att and as a Sigstore bundle referrer')
    .argument('<ref>', 'HOST/REPO[:TAG][@DIGEST]')
    .requiredOption('--predicate <file>', 'the predicate (JSON; any text for --type custom)')
    .option(
      '--type <type>',
      'slsaprovenance, slsaprovenance1, spdx, cyclonedx, vuln, custom, or a URI',
      'custom',
    )
    .option('--replace', 'drop .att attestations of the same predicate type first');
  withOutput(withImageFlags(withSigningFlags(cmd))).action(
    action(io, (ref: string, flags: AttestFlags) => runAttest(io, ref, flags)),
  );
}
