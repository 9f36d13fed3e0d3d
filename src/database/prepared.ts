import { createHash } from 'node:crypto';
import type { Pool, QueryResultRow } from 'pg';
import { DataSource } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/**
 * Runs a hot read or single-statement write as a named prepared statement on the pool TypeORM
 * manages: PostgreSQL parses and plans it once per connection instead of on every request
 * (planning was as long as executing for discovery). The name is derived from the text, so
 * each distinct statement is prepared once per pooled connection. Outside any transaction.
 */
export async function preparedQuery<T extends QueryResultRow>(
  dataSource: DataSource,
  text: string,
  values: unknown[],
): Promise<T[]> {
  const pool = (dataSource.driver as PostgresDriver).master as Pool;
  const name = statementNames.get(text) ?? nameOf(text);
  const result = await pool.query<T>({ name, text, values });
  return result.rows;
}

const statementNames = new Map<string, string>();

function nameOf(text: string): string {
  const name = `am_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
  if (statementNames.size < 1_000) statementNames.set(text, name);
  return name;
}
