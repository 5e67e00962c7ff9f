import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { attachSbom, type SbomType, sbomMediaType } from '../../client/signatures/sbom.js';
import {
  action,
  type CliIo,
  type OutputOptions,
  outputFormat,
  printJson,
  UsageError,
  withOutput,
} from './io.js';
import { type ImageFlags, openImage, withImageFlags } from './sign.js';

interface AttachFlags extends ImageFlags, OutputOptions {
  type?: string;
}

function sbomType(value: string | undefined): SbomType | undefined {
  if (value === undefined || value === 'spdx' || value === 'cyclonedx') return value;
  throw new UsageError(`--type must be spdx or cyclonedx (got "${value}")`);
}

async function runAttach(io: CliIo, refArg: string, file: string, flags: AttachFlags): Promise<void> {
  const format = outputFormat(flags);
  const type = sbomType(flags.type);
  const bytes = await readFile(file);
  const mediaType = sbomMediaType(bytes, type);
  const img = await openImage(io, refArg, flags);
  const result = await attachSbom(img.store, img.subject, bytes, mediaType);
  if (format === 'json') printJson(io, { digest: img.subject.digest, ...result });
  else
    io.stdout(
      `Attached ${mediaType} SBOM to ${img.repository}@${img.subject.digest}\n` +
        `  ${result.tag}: ${result.layer.digest}\n  referrer: ${result.referrer}\n`,
    );
}

export function registerSbom(program: Command, io: CliIo): void {
  const sbom = program.command('sbom').description('SBOMs attached to images');
  const attach = sbom
    .command('attach')
    .description('attach an SBOM (SPDX or CycloneDX) as the .sbom tag and as a referrer')
    .argument('<ref>', 'HOST/REPO[:TAG][@DIGEST]')
    .argument('<file>', 'the SBOM document')
    .option('--type <type>', 'spdx or cyclonedx (default: detected from the document)');
  withOutput(withImageFlags(attach)).action(
    action(io, (ref: string, file: string, flags: AttachFlags) => runAttach(io, ref, file, flags)),
  );
}
