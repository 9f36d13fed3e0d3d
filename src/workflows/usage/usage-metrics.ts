import { Counter, register } from 'prom-client';

/** Skills named as labels by this replica; the rest count as `other`, so series stay bounded. */
export const USAGE_SKILL_LABELS_MAX = 50;
const OTHER = 'other';
const named = new Set<string>();

function counter(name: string, help: string, collect?: (this: Counter) => void): Counter {
  return (
    (register.getSingleMetric(name) as Counter | undefined) ??
    new Counter({ name, help, labelNames: ['skill'], ...(collect ? { collect } : {}) })
  );
}

/** `agent_tokens_total{skill}`: tokens (input + output) agents reported, counted on commit. */
export const agentTokens = counter(
  'agent_tokens_total',
  'Tokens (input + output) agents reported with completions and progress, by skill',
);

/**
 * Dollars reported per skill label, in nanodollars, exact: summing each report's dollars as
 * floats drifted from the ledger (twenty reports of 0.07 made 1.4000000000000008).
 */
const nanodollars = new Map<string, bigint>();

/**
 * `agent_cost_usd_total{skill}`: dollars agents reported, counted on commit; read from the
 * exact sums on each scrape, each the double nearest its nanodollars.
 */
export const agentCost = counter(
  'agent_cost_usd_total',
  'Cost in US dollars agents reported with completions and progress, by skill',
  function () {
    this.reset();
    for (const [skill, sum] of nanodollars) this.inc({ skill }, Number(sum) / 1e9);
  },
);

/** Adds a skill label's reported dollars (nanodollars, exact) to agent_cost_usd_total. */
export function addCost(skill: string, amount: bigint): void {
  nanodollars.set(skill, (nanodollars.get(skill) ?? 0n) + amount);
}

export function skillLabel(skill: string): string {
  if (named.has(skill)) return skill;
  if (named.size >= USAGE_SKILL_LABELS_MAX) return OTHER;
  named.add(skill);
  return skill;
}
