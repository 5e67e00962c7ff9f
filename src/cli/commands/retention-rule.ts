import { UsageError } from './io.js';

export interface RuleSpec {
  kind: string;
  n?: number;
  days?: number;
  repositories?: { decoration: 'matching' | 'excluding'; pattern: string };
  tags?: { decoration: 'matching' | 'excluding'; pattern: string };
  untagged?: boolean;
  label?: { key: string; value?: string };
}

const COUNTED = ['latestPushed', 'latestPulled'];
const TIMED = ['pushedWithinDays', 'pulledWithinDays'];

const USAGE =
  'a rule is KIND[:N] [repos=GLOB|repos!=GLOB] [tags=GLOB|tags!=GLOB] [untagged] [label=KEY[=VALUE]], ' +
  'e.g. "latestPushed:10 tags=v*"';

/**
 * `--rule 'latestPushed:10 tags=v* repos!=tmp/** untagged label=keep=yes'` as the API's rule: N is
 * the count of latest* kinds and the days of *WithinDays; `!=` excludes. The server checks the rest.
 */
export function parseRuleSpec(spec: string): RuleSpec {
  const [head = '', ...words] = spec.trim().split(/\s+/);
  const [kind = '', count] = head.split(':');
  const rule: RuleSpec = { kind };
  if (count !== undefined) {
    const n = Number(count);
    if (!Number.isInteger(n) || n < 1)
      throw new UsageError(`--rule "${spec}": ${count} is not a positive integer`);
    if (COUNTED.includes(kind)) rule.n = n;
    else if (TIMED.includes(kind)) rule.days = n;
    else throw new UsageError(`--rule "${spec}": ${kind} takes no number`);
  }
  for (const w of words) {
    const m = /^(repos|tags)(!?=)(.+)$/.exec(w);
    if (m) {
      const selector = { decoration: m[2] === '=' ? 'matching' : 'excluding', pattern: m[3] ?? '' } as const;
      if (m[1] === 'repos') rule.repositories = selector;
      else rule.tags = selector;
    } else if (w === 'untagged') rule.untagged = true;
    else if (w.startsWith('label=')) {
      const [key = '', ...value] = w.slice('label='.length).split('=');
      rule.label = value.length > 0 ? { key, value: value.join('=') } : { key };
    } else throw new UsageError(`--rule "${spec}": "${w}" is not understood; ${USAGE}`);
  }
  return rule;
}
