export { type AccessDecisions, catalogFilter, projectOf, repoActionsOn } from './access.js';
export { bearerChallenge, tokenRealm } from './challenge.js';
export { type Credentials, readCredentials } from './credentials.js';
export type { LoginFailure } from './login-failure.js';
export { requirementOf } from './requirement.js';
export { createV2Guard, type V2GuardOptions } from './v2-guard.js';
