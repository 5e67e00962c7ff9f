import cliProgress from 'cli-progress';
import type { CopyProgress } from '../../client/copy.js';
import { type CliIo, humanBytes } from './io.js';

export interface ProgressView {
  update(p: Readonly<CopyProgress>): void;
  stop(): void;
}

const NOOP: ProgressView = { update: () => {}, stop: () => {} };

/** A byte progress bar on stderr when it is a terminal; nothing otherwise (logs stay clean). */
export function progressBar(io: CliIo, label: string): ProgressView {
  if (!io.isTTY) return NOOP;
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} {bar} {percentage}% | {doneH}/{totalH} | blobs {blobsDone}/{blobsTotal}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(p) {
      const payload = { doneH: humanBytes(p.bytesDone), totalH: humanBytes(p.bytesTotal), ...p };
      if (!started) {
        bar.start(Math.max(p.bytesTotal, 1), p.bytesDone, payload);
        started = true;
      } else {
        bar.setTotal(Math.max(p.bytesTotal, 1));
        bar.update(p.bytesDone, payload);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
