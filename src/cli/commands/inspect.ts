import type { Command } from 'commander';
import { type ImageEndpoint, parseImageLocation } from '../../client/endpoints.js';
import { type Descriptor, formatPlatform, type ManifestInfo, readManifest } from '../../client/manifest.js';
import { endpointFor, parseCreds, type RegistryFlags, withRegistryFlags } from './clients.js';
import { action, type CliIo, type OutputOptions, outputFormat, printJson, withOutput } from './io.js';

interface InspectFlags extends RegistryFlags, OutputOptions {
  raw?: boolean;
}

interface Inspection {
  name: string;
  digest: string;
  mediaType: string;
  size: number;
  artifactType?: string;
  platform?: string;
  platforms?: { platform: string; digest: string; mediaType: string; size: number }[];
  config?: Descriptor;
  layers?: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

const MAX_CONFIG = 1024 * 1024;

/** os/arch[/variant] from an image config, when it is a small JSON document. */
async function configPlatform(
  src: ImageEndpoint,
  config: Descriptor | undefined,
): Promise<string | undefined> {
  if (!config || config.size > MAX_CONFIG || !config.mediaType.endsWith('json')) return undefined;
  const parts: Buffer[] = [];
  for await (const chunk of await src.openBlob(config)) parts.push(chunk as Buffer);
  try {
    const doc = JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>;
    if (typeof doc.os !== 'string' || typeof doc.architecture !== 'string') return undefined;
    const variant = typeof doc.variant === 'string' ? doc.variant : undefined;
    return formatPlatform({ os: doc.os, architecture: doc.architecture, ...(variant ? { variant } : {}) });
  } catch {
    return undefined;
  }
}

async function describe(src: ImageEndpoint, root: Descriptor, info: ManifestInfo): Promise<Inspection> {
  const out: Inspection = { name: src.name, digest: root.digest, mediaType: info.mediaType, size: root.size };
  if (info.artifactType) out.artifactType = info.artifactType;
  if (info.isIndex) {
    out.platforms = info.manifests.map((m) => ({
      platform: formatPlatform(m.platform),
      digest: m.digest,
      mediaType: m.mediaType,
      size: m.size,
    }));
  } else {
    const platform = await configPlatform(src, info.config);
    if (platform) out.platform = platform;
    if (info.config) out.config = info.config;
    out.layers = info.layers;
  }
  if (info.subject) out.subject = info.subject;
  if (info.annotations) out.annotations = info.annotations;
  return out;
}

function printText(io: CliIo, i: Inspection): void {
  const lines = [
    `Name:       ${i.name}`,
    `Digest:     ${i.digest}`,
    `MediaType:  ${i.mediaType}`,
    `Size:       ${i.size}`,
  ];
  if (i.artifactType) lines.push(`Artifact:   ${i.artifactType}`);
  if (i.platform) lines.push(`Platform:   ${i.platform}`);
  if (i.config) lines.push(`Config:     ${i.config.digest} (${i.config.mediaType})`);
  if (i.subject) lines.push(`Subject:    ${i.subject.digest}`);
  if (i.platforms) {
    lines.push('Platforms:');
    for (const p of i.platforms) lines.push(`  ${p.platform.padEnd(16)} ${p.digest}  ${p.size}`);
  }
  if (i.layers) {
    lines.push('Layers:');
    for (const l of i.layers) lines.push(`  ${l.digest}  ${String(l.size).padStart(10)}  ${l.mediaType}`);
  }
  for (const [k, v] of Object.entries(i.annotations ?? {})) lines.push(`Annotation: ${k}=${v}`);
  io.stdout(`${lines.join('\n')}\n`);
}

async function runInspect(io: CliIo, refArg: string, flags: InspectFlags): Promise<void> {
  const format = outputFormat(flags);
  const loc = parseImageLocation(refArg);
  const src = await endpointFor(io, loc, {
    plainHttp: flags.plainHttp,
    credentials: parseCreds(flags.creds, '--creds'),
  });
  const root = await src.getRoot();
  if (flags.raw) {
    io.stdout(root.bytes.toString('utf8'));
    return;
  }
  const result = await describe(src, root.descriptor, readManifest(root.bytes, root.descriptor.mediaType));
  if (format === 'json') printJson(io, result);
  else printText(io, result);
}

export function registerInspect(program: Command, io: CliIo): void {
  const cmd = program
    .command('inspect')
    .description('show an image: digest, media type, platforms or layers')
    .argument('<ref>', 'oci:DIR[:TAG], docker://REF or REF')
    .option('--raw', 'print the manifest bytes exactly as stored');
  withOutput(withRegistryFlags(cmd)).action(
    action(io, (ref: string, flags: InspectFlags) => runInspect(io, ref, flags)),
  );
}
