import type { Command } from 'commander';
import { formatReference, parseReference } from '../../oci/reference.js';
import { clientFor, parseCreds, type RegistryFlags, withRegistryFlags } from './clients.js';
import { action, type CliIo, type OutputOptions, outputFormat, printJson, withOutput } from './io.js';

type DeleteFlags = RegistryFlags & OutputOptions;

async function runDelete(io: CliIo, refArg: string, flags: DeleteFlags): Promise<void> {
  const format = outputFormat(flags);
  const ref = parseReference(refArg.replace(/^docker:\/\//, ''));
  const client = await clientFor(io, ref.registry, {
    plainHttp: flags.plainHttp,
    credentials: parseCreds(flags.creds, '--creds'),
  });
  let digest = ref.digest;
  if (!digest) {
    const tag = ref.tag ?? 'latest';
    // A registry that sends no digest on HEAD (or a 404) gets a GET, which computes or reports it.
    const head = await client.headManifest(ref.repository, tag);
    digest = head?.digest ?? (await client.getManifest(ref.repository, tag)).digest;
  }
  await client.deleteManifest(ref.repository, digest);
  if (format === 'json') printJson(io, { name: formatReference(ref), digest, deleted: true });
  else io.stdout(`Deleted ${formatReference({ ...ref, digest })}\n`);
}

export function registerDelete(program: Command, io: CliIo): void {
  const cmd = program
    .command('delete')
    .description('delete a manifest (by tag: the manifest the tag points at, and so every tag on it)')
    .argument('<ref>', 'docker://REF or REF');
  withOutput(withRegistryFlags(cmd)).action(
    action(io, (ref: string, flags: DeleteFlags) => runDelete(io, ref, flags)),
  );
}
