import { randomUUID } from 'node:crypto';
import { link, open, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';

function isErrno(err: unknown, code: string): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === code;
}

/** Writes `data` to a temp file and links it at `path`: the file appears complete or not at all. */
async function createAtomically(path: string, data: Buffer): Promise<void> {
  const tmp = join(dirname(path), `.${randomUUID()}.tmp`);
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await link(tmp, path);
  } catch (err) {
    if (!isErrno(err, 'EEXIST')) throw err;
  } finally {
    await rm(tmp, { force: true });
  }
}

/**
 * The key in `path` (raw bytes), created from `generate()` (mode 0600) when the file does not exist.
 * Replicas starting at once agree: the first link wins and the others read it. Throws when the file
 * holds another length (a truncated or foreign file is never replaced).
 */
export async function loadOrCreateKey(path: string, bytes: number, generate: () => Buffer): Promise<Buffer> {
  try {
    const key = await readFile(path);
    if (key.length !== bytes) throw new Error(`${path} holds ${key.length} bytes, not a ${bytes}-byte key`);
    return key;
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
  await createAtomically(path, generate());
  return loadOrCreateKey(path, bytes, generate);
}
