import type { Command } from 'commander';
import { seg } from '../../client/api-client.js';
import { formatReference } from '../../oci/reference.js';
import { type RefCall, type RefFlags, referenceOf, refVerb, runOnRef } from './artifact-ref.js';
import { type CliIo, printJson, UsageError } from './io.js';
import { printDone } from './table.js';

type Labels = Record<string, string>;

function labelsPath(c: RefCall<RefFlags>, key?: string): string {
  const base = `${c.repoPath}/artifacts/${seg(referenceOf(c.ref))}/labels`;
  return key === undefined ? base : `${base}/${seg(key)}`;
}

/** `key=value` → its parts (the value may be empty and may contain `=`). */
function parsePair(pair: string): [string, string] {
  const eq = pair.indexOf('=');
  if (eq <= 0) throw new UsageError(`a label is KEY=VALUE (got "${pair}")`);
  return [pair.slice(0, eq), pair.slice(eq + 1)];
}

function printLabels(io: CliIo, c: RefCall<RefFlags>, labels: Labels): void {
  if (c.format === 'json') printJson(io, labels);
  else
    io.stdout(
      Object.entries(labels)
        .map(([k, v]) => `${k}=${v}\n`)
        .join(''),
    );
}

export function registerLabel(program: Command, io: CliIo): void {
  const label = program.command('label').description('labels (key=value) on artifacts of a Wharf server');

  const add = refVerb(label, 'add', 'set a label on an artifact (replacing its value)').argument(
    '<key=value>',
    'the label',
  );
  runOnRef(io, add, async (c: RefCall<RefFlags>, [pair]: [string]) => {
    const [key, value] = parsePair(pair);
    const what = `label ${formatReference(c.ref)}`;
    const labels = await c.request<Labels>({
      method: 'PUT',
      path: labelsPath(c, key),
      body: { value },
      what,
    });
    printDone(io, c.format, labels, `Labeled ${formatReference(c.ref)} ${key}=${value}`);
  });

  const remove = refVerb(label, 'remove', 'remove a label from an artifact').argument(
    '<key>',
    'the label key',
  );
  runOnRef(io, remove, async (c: RefCall<RefFlags>, [key]: [string]) => {
    const what = `remove label ${key} from ${formatReference(c.ref)}`;
    await c.request({ method: 'DELETE', path: labelsPath(c, key), what });
    printDone(io, c.format, { key, removed: true }, `Removed label ${key} from ${formatReference(c.ref)}`);
  });

  const list = refVerb(label, 'list', "an artifact's labels");
  runOnRef(io, list, async (c: RefCall<RefFlags>) => {
    const what = `list labels of ${formatReference(c.ref)}`;
    printLabels(io, c, await c.request<Labels>({ path: labelsPath(c), what }));
  });
}
