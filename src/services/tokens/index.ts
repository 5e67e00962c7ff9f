export { formatScope, parseScope, parseScopes, type Scope } from './scope.js';
export {
  InvalidTokenError,
  type IssuedToken,
  type IssueRequest,
  TokenService,
  type TokenServiceOptions,
  type VerifiedToken,
} from './token-service.js';
