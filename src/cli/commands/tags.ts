import type { Command } from 'commander';
import { OciLayout } from '../../client/oci-layout.js';
import { formatReference, parseRepository } from '../../oci/reference.js';
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

interface TagsFlags extends RegistryFlags, OutputOptions {
  pageSize?: string;
}

async function listTags(
  io: CliIo,
  repoArg: string,
  flags: TagsFlags,
): Promise<{ repository: string; tags: string[] }> {
  if (repoArg.startsWith('oci:')) {
    const dir = repoArg.slice(4);
    return { repository: repoArg, tags: await (await OciLayout.open(dir)).tags() };
  }
  const repo = parseRepository(repoArg.replace(/^docker:\/\//, ''));
  const pageSize = flags.pageSize === undefined ? undefined : Number(flags.pageSize);
  if (pageSize !== undefined && !(Number.isInteger(pageSize) && pageSize > 0)) {
    throw new UsageError('--page-size must be a positive integer');
  }
  const client = await clientFor(io, repo.registry, {
    plainHttp: flags.plainHttp,
    credentials: parseCreds(flags.creds, '--creds'),
  });
  const tags = await client.listTags(repo.repository, pageSize ? { pageSize } : {});
  return { repository: formatReference(repo), tags };
}

export function registerTags(program: Command, io: CliIo): void {
  const cmd = program
    .command('tags')
    .description('list the tags of a repository')
    .argument('<repository>', 'HOST/REPO, docker://HOST/REPO or oci:DIR')
    .option('--page-size <n>', 'tags per request (the registry may cap it)');
  withOutput(withRegistryFlags(cmd)).action(
    action(io, async (repo: string, flags: TagsFlags) => {
      const format = outputFormat(flags);
      const result = await listTags(io, repo, flags);
      if (format === 'json') printJson(io, result);
      else io.stdout(result.tags.map((t) => `${t}\n`).join(''));
    }),
  );
}
