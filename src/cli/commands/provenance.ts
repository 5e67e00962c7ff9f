import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { tryParseDigest } from '../../oci/digest.js';
import { type ResourceDescriptor, slsaProvenanceV1 } from '../../supplychain/index.js';
import { action, type CliIo, UsageError } from './io.js';
import { type ImageFlags, openImage, parseAnnotations, withImageFlags } from './sign.js';
import { collect } from './values.js';

interface ProvenanceFlags extends ImageFlags {
  builderId: string;
  buildType: string;
  externalParam?: string[];
  internalParam?: string[];
  dependency?: string[];
  invocationId?: string;
  startedOn?: string;
  finishedOn?: string;
  output?: string;
}

/** `URI@sha256:<hex>` → a ResourceDescriptor. */
export function parseDependency(value: string): ResourceDescriptor {
  const at = value.lastIndexOf('@');
  const digest = at > 0 ? tryParseDigest(value.slice(at + 1)) : undefined;
  if (!digest) throw new UsageError(`--dependency must be URI@sha256:<hex> (got "${value}")`);
  const [alg, hex] = digest.split(':') as [string, string];
  return { uri: value.slice(0, at), digest: { [alg]: hex } };
}

async function runProvenance(io: CliIo, refArg: string, flags: ProvenanceFlags): Promise<void> {
  const img = await openImage(io, refArg, flags);
  const internal = parseAnnotations(flags.internalParam, '--internal-param');
  const predicate = slsaProvenanceV1({
    builderId: flags.builderId,
    buildType: flags.buildType,
    externalParameters: parseAnnotations(flags.externalParam, '--external-param'),
    ...(Object.keys(internal).length > 0 ? { internalParameters: internal } : {}),
    ...(flags.dependency ? { resolvedDependencies: flags.dependency.map(parseDependency) } : {}),
    ...(flags.invocationId ? { invocationId: flags.invocationId } : {}),
    ...(flags.startedOn ? { startedOn: flags.startedOn } : {}),
    ...(flags.finishedOn ? { finishedOn: flags.finishedOn } : {}),
  });
  const json = `${JSON.stringify(predicate, null, 2)}\n`;
  if (flags.output === undefined) {
    io.stdout(json);
    return;
  }
  await writeFile(flags.output, json);
  io.stdout(
    `SLSA Provenance v1 predicate for ${img.repository}@${img.subject.digest} written to ${flags.output}\n` +
      `  attest it with: wharf attest ${img.repository}@${img.subject.digest} --type slsaprovenance1 --predicate ${flags.output} --key cosign.key\n`,
  );
}

export function registerProvenance(program: Command, io: CliIo): void {
  const cmd = program
    .command('provenance')
    .description(
      'write a SLSA Provenance v1 predicate for an image (for `wharf attest --type slsaprovenance1`)',
    )
    .argument('<ref>', 'HOST/REPO[:TAG][@DIGEST] (resolved, so the image must exist)')
    .requiredOption('--builder-id <uri>', 'runDetails.builder.id')
    .requiredOption('--build-type <uri>', 'buildDefinition.buildType')
    .option('--external-param <key=value>', 'buildDefinition.externalParameters entry (repeatable)', collect)
    .option('--internal-param <key=value>', 'buildDefinition.internalParameters entry (repeatable)', collect)
    .option('--dependency <uri@digest>', 'buildDefinition.resolvedDependencies entry (repeatable)', collect)
    .option('--invocation-id <id>', 'runDetails.metadata.invocationId')
    .option('--started-on <time>', 'runDetails.metadata.startedOn (RFC 3339)')
    .option('--finished-on <time>', 'runDetails.metadata.finishedOn (RFC 3339)')
    .option('--output <file>', 'write the predicate here instead of to stdout');
  withImageFlags(cmd).action(
    action(io, (ref: string, flags: ProvenanceFlags) => runProvenance(io, ref, flags)),
  );
}
