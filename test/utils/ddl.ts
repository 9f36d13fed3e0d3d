import type { Client } from 'pg';

/** PostgreSQL's codes for a statement that lost a lock race: deadlock, lock timeout. */
const LOST_LOCK_RACE = new Set(['40P01', '55P03']);

/**
 * Runs DDL on a table the application is writing to at the same moment, trying again when
 * it loses a lock race. `DROP TRIGGER` on a partitioned table locks the parent and then
 * each partition, while the application's writes lock them in their own order; PostgreSQL
 * then ends one side with a deadlock error, and when that side is the test the DDL simply
 * has to run again.
 */
export async function ddlBesideWriters(db: Client, sql: string, attempts = 20): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await db.query(sql);
      return;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (!code || !LOST_LOCK_RACE.has(code) || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
    }
  }
}
