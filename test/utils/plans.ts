import type { Client } from 'pg';

/** Every index a JSON plan (`EXPLAIN (FORMAT JSON)`) scans, and every relation it reads. */
export function planNodes(plan: unknown): Array<Record<string, unknown>> {
  const nodes: Array<Record<string, unknown>> = [];
  const walk = (node: Record<string, unknown>) => {
    nodes.push(node);
    for (const child of (node.Plans as Array<Record<string, unknown>> | undefined) ?? [])
      walk(child);
  };
  walk((plan as Array<{ Plan: Record<string, unknown> }>)[0].Plan);
  return nodes;
}

/**
 * An index and its partitions' indexes (a partitioned table's index is one index per
 * partition, each named by PostgreSQL): a plan on a partitioned table scans the latter.
 */
export async function indexAndPartitions(db: Client, index: string): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = $1::regclass`,
    [index],
  );
  return [index, ...rows.map((row) => row.name)];
}

/**
 * From now on, the plans `connection` runs, nested ones included (a function's statements), as
 * `auto_explain` reports them (JSON, one notice each): the plan a connection keeps is the one
 * shown, which `EXPLAIN` of the statement in another session would not be.
 */
export async function collectPlans(connection: Client): Promise<string[]> {
  await connection.query(`LOAD 'auto_explain'`);
  await connection.query(
    `SET auto_explain.log_min_duration = 0; SET auto_explain.log_nested_statements = on;
     SET auto_explain.log_level = 'notice'; SET auto_explain.log_format = 'json'`,
  );
  const plans: string[] = [];
  connection.on('notice', (notice) => plans.push(notice.message ?? ''));
  return plans;
}
