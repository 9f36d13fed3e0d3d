/** Anything that runs SQL: a DataSource, an EntityManager, a QueryRunner. */
export interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/**
 * A gauge's count is read exactly up to this many rows (an index scan that stops there: a few
 * milliseconds whatever the table's size); above it, the planner's estimate for the same
 * query, from the statistics ANALYZE (autovacuum) keeps, which costs a plan and no scan.
 */
export const EXACT_UP_TO = 10_000;

/** Said in the help text of every gauge whose value can be an estimate. */
export const ESTIMATE_NOTE = `exact up to ${EXACT_UP_TO.toLocaleString('en')}; above, the planner's estimate`;

/**
 * The rows `select` returns, counted exactly up to `cap`; past it, the planner's estimate of the
 * query's rows (never below `cap + 1`, so a stale estimate cannot report a count under what was
 * just seen). `select` must be a plain `SELECT ... FROM ... WHERE ...` an index serves, without
 * ORDER BY or LIMIT: its scan stops at `cap + 1` rows.
 */
export async function boundedCount(
  db: Queryable,
  select: string,
  parameters: unknown[] = [],
  cap = EXACT_UP_TO,
): Promise<number> {
  const [row] = (await db.query(
    `SELECT count(*)::int AS n FROM (${select} LIMIT ${cap + 1}) bounded`,
    parameters,
  )) as Array<{ n: number }>;
  if (row.n <= cap) return row.n;
  return Math.max(cap + 1, await plannedRows(db, select, parameters));
}

/** The planner's estimate of the rows `select` returns: a plan, no execution. */
export async function plannedRows(
  db: Queryable,
  select: string,
  parameters: unknown[] = [],
): Promise<number> {
  const [row] = (await db.query(`EXPLAIN (FORMAT JSON) ${select}`, parameters)) as Array<{
    'QUERY PLAN': Array<{ Plan: { 'Plan Rows': number } }> | string;
  }>;
  const plan = row['QUERY PLAN'];
  const parsed = (typeof plan === 'string' ? JSON.parse(plan) : plan) as Array<{
    Plan: { 'Plan Rows': number };
  }>;
  return Math.round(parsed[0].Plan['Plan Rows']);
}
