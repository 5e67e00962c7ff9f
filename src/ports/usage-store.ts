/** Storage accounting for quotas. */
export interface UsageStore {
  /**
   * Bytes a project uses: every distinct blob linked into any of its repositories counted once,
   * plus its manifests' bodies. A project's repositories are `<project>` and `<project>/…`.
   */
  projectBytes(project: string): Promise<number>;
  /** Whether a blob is already linked somewhere in the project (then it costs nothing more). */
  projectHasBlob(project: string, digest: string): Promise<boolean>;
}
