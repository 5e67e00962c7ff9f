export { AccessService, type AccessServiceOptions, BOOTSTRAP_ADMIN } from './access-service.js';
export type { CacheOptions } from './context.js';
export { AccessError, type AccessErrorCode, isAccessError } from './errors.js';
export { checkProjectName, robotProject } from './names.js';
export { hashPassword, type PasswordHash, verifyPassword } from './passwords.js';
export {
  allowedActions,
  isRepoAction,
  isRole,
  PROJECT_ACTIONS,
  PUBLIC_ACTIONS,
  REPO_ACTIONS,
  ROLE_ACTIONS,
  ROLES,
} from './permissions.js';
export {
  type Principal,
  type ProjectAction,
  principalName,
  type RepoAction,
  type RobotPermission,
  type Role,
} from './principal.js';
export type { NewProject, Page, ProjectPatch } from './projects.js';
export type { NewRobot, Robot, RobotPatch } from './robots.js';
export type { NewUser, User, UserPatch } from './users.js';
