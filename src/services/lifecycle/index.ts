export { GarbageCollector, type GarbageCollectorOptions, type GcRunOptions } from './gc.js';
export { GlobError, globMatches, globRegExp } from './glob.js';
export { ImmutableTags, type ImmutableTagsOptions, type TagLock } from './immutability.js';
export { PullTimes, type PullTimesOptions } from './pull-times.js';
export { RetentionService, type RetentionServiceOptions } from './retention.js';
export {
  type PlanContext,
  type PlannedItem,
  planRepository,
  type RepositoryState,
} from './retention-plan.js';
export { checkRetentionPolicy, describeRetentionRule, MAX_RETENTION_RULES } from './retention-rules.js';
export {
  RETENTION_RUN_JOB,
  type RetentionJobPayload,
  RetentionScheduler,
  type RetentionSchedulerOptions,
} from './retention-schedule.js';
export {
  checkSelector,
  describeRule,
  MAX_RULES,
  nameInProject,
  RuleError,
  ruleFor,
  selects,
} from './rules.js';
export { GC_JOB, type GcJobPayload, GcSchedule, nextRun, scheduleKey } from './schedule.js';
export { Scrubber, type ScrubProblem, type ScrubReport } from './scrub.js';
export { LifecycleService } from './service.js';
