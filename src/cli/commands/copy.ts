import type { Command } from 'commander';
import { copyImage } from '../../client/copy.js';
import { formatImageLocation, parseImageLocation } from '../../client/endpoints.js';
import { endpointFor, parseCreds } from './clients.js';
import {
  action,
  type CliIo,
  humanBytes,
  type OutputOptions,
  outputFormat,
  printJson,
  withOutput,
} from './io.js';
import { progressBar } from './progress.js';

interface CopyFlags extends OutputOptions {
  plainHttp?: boolean;
  srcCreds?: string;
  destCreds?: string;
}

async function runCopy(io: CliIo, srcArg: string, dstArg: string, flags: CopyFlags): Promise<void> {
  const format = outputFormat(flags);
  const srcLoc = parseImageLocation(srcArg);
  const dstLoc = parseImageLocation(dstArg);
  const plainHttp = flags.plainHttp;
  const src = await endpointFor(io, srcLoc, {
    plainHttp,
    credentials: parseCreds(flags.srcCreds, '--src-creds'),
  });
  const dst = await endpointFor(io, dstLoc, {
    plainHttp,
    credentials: parseCreds(flags.destCreds, '--dest-creds'),
    create: true,
  });
  const bar = progressBar(io, 'Copying');
  let result: Awaited<ReturnType<typeof copyImage>>;
  try {
    result = await copyImage(src, dst, { onProgress: (p) => bar.update(p) });
  } finally {
    bar.stop();
  }
  if (format === 'json') {
    printJson(io, {
      source: formatImageLocation(srcLoc),
      destination: formatImageLocation(dstLoc),
      ...result,
    });
    return;
  }
  io.stdout(
    `Copied ${formatImageLocation(srcLoc)} to ${formatImageLocation(dstLoc)}\n` +
      `Digest: ${result.digest}\n` +
      `${result.manifests} manifest(s); blobs: ${result.blobsCopied} copied (${humanBytes(result.bytesCopied)}), ` +
      `${result.blobsSkipped} already present, ${result.blobsMounted} mounted\n`,
  );
}

export function registerCopy(program: Command, io: CliIo): void {
  const cmd = program
    .command('copy')
    .description('copy an image (all platforms) between registries and OCI layouts')
    .argument('<src>', 'oci:DIR[:TAG], docker://REF or REF')
    .argument('<dst>', 'oci:DIR[:TAG], docker://REF or REF')
    .option('--plain-http', 'use http instead of https (default for localhost and 127.0.0.1)')
    .option('--src-creds <user:password>', 'source registry credentials (default: docker config)')
    .option('--dest-creds <user:password>', 'destination registry credentials (default: docker config)');
  withOutput(cmd).action(
    action(io, (src: string, dst: string, flags: CopyFlags) => runCopy(io, src, dst, flags)),
  );
}
