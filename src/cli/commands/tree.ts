import type { Command } from 'commander';
import { attachedTree, type Tree, type TreeItem } from '../../client/signatures/tree.js';
import { action, type CliIo, type OutputOptions, outputFormat, printJson, withOutput } from './io.js';
import { type ImageFlags, openImage, withImageFlags } from './sign.js';

function itemLine(i: TreeItem): string {
  const at = i.source === 'referrer' ? 'referrer' : `in ${i.tag ?? 'tag'}`;
  const parts = [`${i.digest}  ${at}`];
  if (i.predicateType && i.kind !== 'signature') parts.push(i.predicateType);
  else if (i.kind !== 'signature') parts.push(i.artifactType ?? i.mediaType);
  if (i.kind === 'signature' || i.keyHint) parts.push(`key hint: ${i.keyHint ?? 'none'}`);
  return `  ${parts.join('  ')}`;
}

function printTree(io: CliIo, name: string, t: Tree): void {
  const lines = [`Artifacts attached to ${name}:`];
  const groups: [string, TreeItem[]][] = [
    ['Signatures', t.signatures],
    ['Attestations', t.attestations],
    ['SBOMs', t.sboms],
    ['Other referrers', t.other],
  ];
  for (const [title, items] of groups) {
    if (items.length === 0) continue;
    lines.push(`${title}:`, ...items.map(itemLine));
  }
  if (lines.length === 1) lines.push('  (none)');
  io.stdout(`${lines.join('\n')}\n`);
}

export function registerTree(program: Command, io: CliIo): void {
  const cmd = program
    .command('tree')
    .description('list what is attached to an image: signatures, attestations, SBOMs, other referrers')
    .argument('<ref>', 'HOST/REPO[:TAG][@DIGEST]');
  withOutput(withImageFlags(cmd)).action(
    action(io, async (ref: string, flags: ImageFlags & OutputOptions) => {
      const format = outputFormat(flags);
      const img = await openImage(io, ref, flags);
      const tree = await attachedTree(img.store, img.subject);
      if (format === 'json') printJson(io, { image: `${img.repository}@${img.subject.digest}`, ...tree });
      else printTree(io, `${img.repository}@${img.subject.digest}`, tree);
    }),
  );
}
