/** What a proxy cache did, for metrics and logs. */
export type ProxyEvent =
  /** A manifest came from upstream and was stored. */
  | 'manifest_fetched'
  /** A cached tag was checked upstream and is current. */
  | 'manifest_current'
  /** The upstream failed (down, slow, throttling, erroring): the cached copy was served. */
  | 'stale_served'
  /** A blob came from upstream and was stored (the concurrent misses it served count once). */
  | 'blob_fetched'
  /** A blob already stored for another repository was linked once upstream confirmed it. */
  | 'blob_linked'
  /** The upstream failed and nothing was cached: the client got an error. */
  | 'upstream_failed';

export interface ProxyReportFields {
  repository: string;
  upstream: string;
  reference?: string;
  reason?: string;
}

export type ProxyReporter = (event: ProxyEvent, fields: ProxyReportFields) => void;
