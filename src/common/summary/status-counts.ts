/** One row of a `SELECT status, count(*) … GROUP BY status`. */
export interface StatusCount {
  status: string;
  n: number;
}

/** Every status of `statuses` with its count (0 when no row names it). */
export function tally<S extends string>(
  statuses: readonly S[],
  rows: readonly StatusCount[],
): Record<S, number> {
  const counts = Object.fromEntries(statuses.map((status) => [status, 0])) as Record<S, number>;
  for (const row of rows) if (row.status in counts) counts[row.status as S] = row.n;
  return counts;
}

export function total(counts: Record<string, number>): number {
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}
