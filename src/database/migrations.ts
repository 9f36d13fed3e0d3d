import type { DataSource } from 'typeorm';

/** Arbitrary constant: the advisory lock every replica takes before migrating. */
export const MIGRATION_LOCK_KEY = 0x6167_6d65; // "agme"

/**
 * Runs pending migrations while holding a session advisory lock on a dedicated connection,
 * so two replicas starting together migrate once: the second waits, then finds nothing to do.
 */
export async function migrateWithLock(dataSource: DataSource): Promise<string[]> {
  const lockRunner = dataSource.createQueryRunner();
  await lockRunner.connect();
  try {
    await lockRunner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await lockRunner
      .query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY])
      .catch(() => undefined);
    await lockRunner.release();
  }
}
