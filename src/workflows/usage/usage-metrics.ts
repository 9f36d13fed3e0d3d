import { Counter, register } from 'prom-client';

/** Skills named as labels by this replica; the rest count as `other`, so series stay bounded. */
export const USAGE_SKILL_LABELS_MAX = 50;
const OTHER = 'other';
const named = new Set<string>();

function counter(name: string, help: string): Counter {
  return (
    (register.getSingleMetric(name) as Counter | undefined) ??
    new Counter({ name, help, labelNames: ['skill'] })
  );
}

/** `agent_tokens_total{skill}`: tokens (input + output) agents reported, counted on commit. */
export const agentTokens = counter(
  'agent_tokens_total',
  'Tokens (input + output) agents reported with completions and progress, by skill',
);

/** `agent_cost_usd_total{skill}`: dollars agents reported, counted on commit. */
export const agentCost = counter(
  'agent_cost_usd_total',
  'Cost in US dollars agents reported with completions and progress, by skill',
);

export function skillLabel(skill: string): string {
  if (named.has(skill)) return skill;
  if (named.size >= USAGE_SKILL_LABELS_MAX) return OTHER;
  named.add(skill);
  return skill;
}
