/** One report of what an attempt used, as an agent sends it (complete or progress). */
export interface UsageReport {
  inputTokens: number;
  outputTokens: number;
  costUsd?: number;
  model?: string;
}

/** Usage summed over reports (a task's attempts, a run's tasks). */
export interface UsageTotals {
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  reports: number;
}

/** A run's limits: tokens (input + output), dollars, seconds since it started running. */
export interface Budget {
  tokens?: number;
  costUsd?: number;
  wallSeconds?: number;
}

export type BudgetLimit = keyof Budget;

export const BUDGET_LIMITS: readonly BudgetLimit[] = ['tokens', 'costUsd', 'wallSeconds'];

/** Dollars are kept to the nanodollar (the ledger's numeric(20, 9)), so sums do not drift. */
export function roundUsd(value: number): number {
  return Math.round(value * 1e9) / 1e9;
}

/**
 * The limits of `budget` that `usage` has passed (tokens and dollars; a limit is reached when
 * usage is above it, so a budget of 0 allows nothing but a report of 0), and wallSeconds when
 * the run has been running for longer than it.
 */
export function exceededLimits(
  budget: Budget | null,
  usage: UsageTotals | null,
  runningSeconds: number | null,
): BudgetLimit[] {
  if (!budget) return [];
  const over: BudgetLimit[] = [];
  const tokens = usage ? usage.inputTokens + usage.outputTokens : 0;
  // `!= null`: a limit stored as null (accepted before the API refused it) is no limit.
  if (budget.tokens != null && tokens > budget.tokens) over.push('tokens');
  if (budget.costUsd != null && (usage?.costUsd ?? 0) > budget.costUsd) over.push('costUsd');
  if (budget.wallSeconds != null && runningSeconds !== null && runningSeconds > budget.wallSeconds)
    over.push('wallSeconds');
  return over;
}
