import type { Digest } from '../oci/digest.js';
import type { Selector } from './lifecycle-store.js';

/** Harbor's retention rule kinds. */
export const RETENTION_KINDS = [
  'latestPushed',
  'latestPulled',
  'pushedWithinDays',
  'pulledWithinDays',
  'always',
] as const;

export type RetentionKind = (typeof RETENTION_KINDS)[number];

/**
 * One rule of a project's retention policy. Its scope in a repository its `repositories` selector
 * selects (the name without `<project>/`): the artifacts with a tag `tags` selects, plus the
 * untagged ones when `untagged`, and only those carrying `label` when given. Within its scope it
 * keeps per `kind`: the `n` latest pushed or pulled, those pushed or pulled within `days`, or all.
 */
export interface RetentionRule {
  kind: RetentionKind;
  /** latestPushed, latestPulled: how many to keep. */
  n?: number;
  /** pushedWithinDays, pulledWithinDays. */
  days?: number;
  repositories: Selector;
  tags: Selector;
  untagged: boolean;
  label?: { key: string; value?: string };
}

/** A project's retention policy (at most one). Rules are OR-ed: an artifact any rule keeps stays. */
export interface RetentionPolicy {
  project: string;
  rules: RetentionRule[];
  /** `HH:MM` (UTC, daily) or `<n>s|m|h`; null: runs only on demand. */
  schedule: string | null;
  enabled: boolean;
  updatedAt: Date;
}

export type RetentionPolicyInput = Omit<RetentionPolicy, 'project' | 'updatedAt'>;

/** What a run does to an artifact: remove some of its tags, delete it, or keep it (`retain`). */
export type RetentionAction = 'untag' | 'delete' | 'retain';

/**
 * `planned`: a dry run's item; `done`/`failed`: a real run's; `skipped`: not attempted (an
 * attachment whose subject's delete failed); `kept`: a retained artifact.
 */
export type RetentionOutcome = 'planned' | 'done' | 'failed' | 'skipped' | 'kept';

export interface RetentionItem {
  repository: string;
  digest: Digest;
  action: RetentionAction;
  /** untag: the tags removed; delete: the tags it had (all go); retain: its tags. */
  tags: string[];
  reason: string;
  /** The 1-based rule that kept it (retain), null otherwise or when kept for immutability. */
  rule: number | null;
  outcome: RetentionOutcome;
  error: string | null;
}

export type RetentionTrigger = 'manual' | 'schedule';
export type RetentionStatus = 'running' | 'succeeded' | 'partial' | 'failed';

export interface RetentionRun {
  id: number;
  project: string;
  trigger: RetentionTrigger;
  dryRun: boolean;
  status: RetentionStatus;
  startedAt: Date;
  finishedAt: Date | null;
  tagsRemoved: number;
  manifestsDeleted: number;
  retained: number;
  failed: number;
  /** Why the run failed as a whole (planning failed); null otherwise. */
  error: string | null;
}

export interface RetentionRunDetail extends RetentionRun {
  items: RetentionItem[];
}

export type RetentionRunResult = Omit<RetentionRun, 'id' | 'project' | 'trigger' | 'dryRun' | 'startedAt'>;

/** Retention policies and their run history; both go with their project. */
export interface RetentionStore {
  /** The project's policy; undefined when it has none. */
  get(project: string): Promise<RetentionPolicy | undefined>;
  /** Every policy with a schedule, enabled or not (for the scheduler). */
  scheduled(): Promise<RetentionPolicy[]>;
  /** Creates or replaces the policy of an existing project; undefined when there is no such project. */
  put(project: string, policy: RetentionPolicyInput): Promise<RetentionPolicy | undefined>;
  /** False when the project had no policy. */
  delete(project: string): Promise<boolean>;
  /** Records a run as started; undefined when the project does not exist. */
  startRun(
    project: string,
    run: { trigger: RetentionTrigger; dryRun: boolean; startedAt: Date },
  ): Promise<number | undefined>;
  /** Marks a running run alive at `at` (the run's process does, while it runs). */
  beat(id: number, at: Date): Promise<void>;
  /** Fails the runs still `running` whose last heartbeat is before `before` (interrupted); how many. */
  abandon(before: Date, at: Date): Promise<number>;
  /** Records how a run ended, with its items (in plan order). */
  finishRun(id: number, result: RetentionRunResult, items: readonly RetentionItem[]): Promise<void>;
  /** A project's runs, newest first, ids below `before` when given. */
  runs(project: string, page: { before?: number; limit: number }): Promise<RetentionRun[]>;
  /** One run of the project with its items; undefined when absent. */
  run(project: string, id: number): Promise<RetentionRunDetail | undefined>;
  /** Parent → child edges of the indexes in a repository (`manifest_refs` of kind manifest). */
  indexEdges(repository: string): Promise<{ parent: Digest; child: Digest }[]>;
}
