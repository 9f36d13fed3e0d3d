import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { ConfigError, loadConfig } from '../config/config';
import { dataSourceOptions } from './data-source-options';
import { EmbeddedDatabase } from './embedded-postgres';
import { migrateWithLock, MIGRATION_LOCK_KEY } from './migrations';

/** `npm run migration:run` / `migration:revert`: the deploy-step form (Kubernetes jobs). */
async function main(command: string | undefined): Promise<void> {
  if (command !== 'run' && command !== 'revert') {
    process.stderr.write('usage: migrate.cli.js run|revert\n');
    process.exit(64);
  }
  const config = loadConfig(process.env);
  const embedded = config.databaseUrl
    ? undefined
    : await EmbeddedDatabase.start({
        dataDir: config.embeddedDataDir,
        database: 'agentmesh',
      });
  const url = config.databaseUrl ?? embedded!.url;
  const dataSource = await new DataSource(
    dataSourceOptions({
      url,
      poolSize: 2,
      statementTimeoutMs: 0x7fffffff,
      connectTimeoutMs: config.dbConnectTimeoutMs,
    }),
  ).initialize();
  try {
    if (command === 'run') {
      const applied = await migrateWithLock(dataSource);
      process.stdout.write(
        applied.length ? `Applied: ${applied.join(', ')}\n` : 'No pending migrations\n',
      );
    } else {
      await dataSource.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      await dataSource.undoLastMigration({ transaction: 'each' });
      await dataSource.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      process.stdout.write('Reverted the last migration\n');
    }
  } finally {
    await dataSource.destroy();
    await embedded?.stop();
  }
}

main(process.argv[2]).catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof ConfigError ? error.message : String((error as Error).stack ?? error)}\n`,
  );
  process.exit(1);
});
