import type { Config } from '../config/index.js';
import type { RouteMatch } from '../http/distribution/routes.js';
import { RegistryError } from '../oci/errors.js';
import type { Shared } from '../ports/shared.js';
import type { AccessService } from '../services/access/index.js';
import type { Principal } from '../services/access/principal.js';
import type { Eventing } from '../services/events/index.js';
import { PullRateLimiter, projectOf, pullClientKey } from '../services/policy/index.js';

export type BeforePull = (principal: Principal, match: RouteMatch, clientIp: string) => Promise<void>;

/** Per-client and per-project pull rate limits; a refusal is a POLICY_DECISION event. */
export function pullLimits(
  o: { config: Config; shared: Shared; access: AccessService; eventing: Eventing },
  warn: (err: unknown) => void,
): BeforePull {
  const limiter = new PullRateLimiter({
    shared: o.shared,
    perClientPerMinute: o.config.rateLimits.pullPerMinutePerClient,
    projectLimit: async (project) => (await o.access.findProject(project))?.pullRatePerMinute ?? null,
    onError: warn,
  });
  return async (principal, match, clientIp) => {
    try {
      await limiter.check({ project: projectOf(match.name), clientKey: pullClientKey(principal, clientIp) });
    } catch (err) {
      if (err instanceof RegistryError && err.code === 'TOOMANYREQUESTS') {
        const refusal = { policy: 'rate-limit', action: 'pull', repository: match.name, reason: err.message };
        void o.eventing.policyDecision({ ...refusal, principal, clientIp });
      }
      throw err;
    }
  };
}
