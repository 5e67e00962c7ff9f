export { autoCreateProjects, type ProjectDirectory } from './auto-create.js';
export { projectOf } from './project.js';
export { QuotaPolicy, type QuotaPolicyOptions } from './quota.js';
export { PullRateLimiter, type PullRateLimiterOptions, pullClientKey } from './rate-limit.js';
