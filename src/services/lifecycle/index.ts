export { GarbageCollector, type GarbageCollectorOptions, type GcRunOptions } from './gc.js';
export { GlobError, globMatches, globRegExp } from './glob.js';
export { ImmutableTags, type ImmutableTagsOptions, type TagLock } from './immutability.js';
export { PullTimes, type PullTimesOptions } from './pull-times.js';
export { checkSelector, MAX_RULES, nameInProject, RuleError, ruleFor, selects } from './rules.js';
export { GC_JOB, type GcJobPayload, GcSchedule, nextRun, scheduleKey } from './schedule.js';
export { Scrubber, type ScrubProblem, type ScrubReport } from './scrub.js';
export { LifecycleService } from './service.js';
