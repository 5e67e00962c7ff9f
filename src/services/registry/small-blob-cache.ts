/**
 * Bytes of small blobs, by digest. Content addressing makes entries immutable, so there is nothing
 * to invalidate: visibility is decided by the repository-link query before the cache is consulted.
 * Bounded by total bytes; least recently used entries go first.
 */
export class SmallBlobCache {
  private readonly entries = new Map<string, Buffer>();
  private bytes = 0;

  constructor(
    /** Blobs larger than this are never cached. */
    readonly maxEntryBytes: number,
    private readonly maxTotalBytes: number,
  ) {}

  get(digest: string): Buffer | undefined {
    const hit = this.entries.get(digest);
    if (hit) {
      this.entries.delete(digest);
      this.entries.set(digest, hit);
    }
    return hit;
  }

  set(digest: string, data: Buffer): void {
    if (data.length > this.maxEntryBytes || this.entries.has(digest)) return;
    this.entries.set(digest, data);
    this.bytes += data.length;
    for (const [key, value] of this.entries) {
      if (this.bytes <= this.maxTotalBytes) break;
      this.entries.delete(key);
      this.bytes -= value.length;
    }
  }
}
