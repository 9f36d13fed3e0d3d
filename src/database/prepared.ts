import { createHash } from 'node:crypto';
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import { DataSource } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import type { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import type { Transaction } from './unit-of-work';

/**
 * Runs a hot statement as a named prepared statement: PostgreSQL parses it once per connection
 * and, once it has seen it run, may keep one plan for it instead of planning it again on
 * every request (planning was as long as executing for discovery and the task claim). The
 * name is derived from the text, so each distinct statement is prepared once per pooled
 * connection.
 *
 * Only for statements whose plan cannot go stale. A generic plan is made once (at a
 * connection's sixth run) from the tables as they are then, and kept until the next ANALYZE:
 * made while a table is new and small, it can read far more than it needs once the table grows
 * (a run start's read-back of its run by primary key, prepared, took 1.1 ms instead of 0.24 ms
 * once 3,000 runs were queued). Safe: an INSERT that reads no table (not even in RETURNING:
 * the task insert's answer reads a fan-out step's input); a statement PostgreSQL keeps planning
 * afresh (its custom plans are cheaper, as with arrays of ids); one written so that every plan
 * reads by index (the claim, whose test checks its generic plan on a table without statistics).
 *
 * On a DataSource it runs outside any transaction, on the pool TypeORM manages; on a
 * Transaction, inside it, on its connection. Answers the rows, whatever the command.
 */
export async function preparedQuery<T extends QueryResultRow>(
  on: DataSource | Transaction,
  text: string,
  values: unknown[],
): Promise<T[]> {
  const client: Pool | PoolClient =
    on instanceof DataSource
      ? ((on.driver as PostgresDriver).master as Pool)
      : ((await (on.manager.queryRunner as PostgresQueryRunner).connect()) as PoolClient);
  const result = await client.query<T>(preparedConfig({ sql: text, params: values }));
  return result.rows;
}

/** A statement as preparedQuery sends it: named after its text. */
export function preparedConfig(statement: { sql: string; params: unknown[] }): {
  name: string;
  text: string;
  values: unknown[];
} {
  const text = statement.sql;
  return { name: statementNames.get(text) ?? nameOf(text), text, values: statement.params };
}

const statementNames = new Map<string, string>();

function nameOf(text: string): string {
  const name = `am_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
  if (statementNames.size < 1_000) statementNames.set(text, name);
  return name;
}
