import { createDigester, type Digest, digestAlgorithm } from '../../oci/digest.js';
import { BlobNotFoundError, type BlobStore } from '../../ports/blob-store.js';
import type { GcStore, RecordedBlob } from '../../ports/gc-store.js';

export interface ScrubProblem {
  digest: Digest;
  /** The size the metadata records. */
  size: number;
  /** 'corrupt': the content does not hash to its digest (or has another size); 'missing': no file. */
  problem: 'corrupt' | 'missing';
  /** What the stored bytes hash to and how many there are; null when the file is missing. */
  actualDigest: string | null;
  actualSize: number | null;
}

export interface ScrubReport {
  startedAt: Date;
  finishedAt: Date;
  durationMs: number;
  /** Blob rows checked, and the bytes read to check them. */
  checked: number;
  bytes: number;
  corrupt: number;
  missing: number;
  /** The first problems found, in digest order (at most `maxProblems`; the counts are complete). */
  problems: ScrubProblem[];
}

export interface ScrubberOptions {
  store: Pick<GcStore, 'blobs' | 'recorded'>;
  blobs: Pick<BlobStore, 'open'>;
  /** Default 1000. */
  maxProblems?: number;
  now?: () => number;
}

const PAGE = 500;
/** Blobs hashed at once. */
const CONCURRENCY = 2;

/**
 * Verifies every stored blob: reads it back and compares its digest and size with what the
 * metadata records. Reports, never repairs or deletes: a corrupt blob is for an operator to look
 * at (restore it from a backup, or delete the artifacts using it and push them again).
 */
export class Scrubber {
  private readonly maxProblems: number;
  private readonly now: () => number;

  constructor(private readonly o: ScrubberOptions) {
    this.maxProblems = o.maxProblems ?? 1000;
    this.now = o.now ?? Date.now;
  }

  async run(signal?: AbortSignal): Promise<ScrubReport> {
    const started = this.now();
    const r = { checked: 0, bytes: 0, corrupt: 0, missing: 0, problems: [] as ScrubProblem[] };
    let after: Digest | undefined;
    for (;;) {
      signal?.throwIfAborted();
      const page = await this.o.store.blobs(after, PAGE);
      after = page.at(-1)?.digest;
      for (let i = 0; i < page.length; i += CONCURRENCY) {
        const found = await Promise.all(page.slice(i, i + CONCURRENCY).map((b) => this.check(b, signal)));
        for (const f of found) {
          if (f === 'gone') continue;
          r.checked++;
          r.bytes += f.bytes;
          if (!f.problem) continue;
          r[f.problem.problem]++;
          if (r.problems.length < this.maxProblems) r.problems.push(f.problem);
        }
      }
      if (page.length < PAGE) break;
    }
    const finished = this.now();
    return {
      startedAt: new Date(started),
      finishedAt: new Date(finished),
      durationMs: finished - started,
      ...r,
    };
  }

  /** 'gone': the row went meanwhile (garbage collection), so a missing file is no problem. */
  private async check(
    blob: RecordedBlob,
    signal?: AbortSignal,
  ): Promise<{ bytes: number; problem?: ScrubProblem } | 'gone'> {
    const hash = createDigester(digestAlgorithm(blob.digest));
    let bytes = 0;
    try {
      for await (const chunk of await this.o.blobs.open(blob.digest, undefined, signal)) {
        hash.update(chunk as Buffer);
        bytes += (chunk as Buffer).length;
      }
    } catch (err) {
      if (!(err instanceof BlobNotFoundError)) throw err;
      if (!(await this.o.store.recorded([blob.digest])).has(blob.digest)) return 'gone';
      const problem = { ...blob, problem: 'missing' as const, actualDigest: null, actualSize: null };
      return { bytes: 0, problem };
    }
    const actual = `${digestAlgorithm(blob.digest)}:${hash.digest('hex')}`;
    if (actual === blob.digest && bytes === blob.size) return { bytes };
    return { bytes, problem: { ...blob, problem: 'corrupt', actualDigest: actual, actualSize: bytes } };
  }
}
