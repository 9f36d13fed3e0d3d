import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source-options';
import { EmbeddedDatabase } from '../src/database/embedded-postgres';
import { migrateWithLock } from '../src/database/migrations';
import { buildConsoleIfStale } from './utils/console-build';
import { assertTestDatabase } from './utils/databases';

const state = globalThis as {
  __AGENTMESH_EMBEDDED__?: EmbeddedDatabase;
  __AGENTMESH_TEST_DIR__?: string;
  __AGENTMESH_TEST_KEYS_DIR__?: string;
};

/**
 * Builds the console when stale (the browser tests serve it), and migrates one template
 * database; every test file clones it. The server is DATABASE_URL's
 * when set (CI), else an embedded PostgreSQL in a temporary folder.
 */
export default async function globalSetup(): Promise<void> {
  buildConsoleIfStale();
  // Every app of the run keeps its audit signing key under this one private folder.
  const keys = await mkdtemp(join(tmpdir(), 'agentmesh-test-keys-'));
  state.__AGENTMESH_TEST_KEYS_DIR__ = keys;
  process.env.AGENTMESH_TEST_KEYS_DIR = keys;
  let url = process.env.DATABASE_URL;
  if (!url) {
    const dir = await mkdtemp(join(tmpdir(), 'agentmesh-test-'));
    await chmod(dir, 0o755);
    const embedded = await EmbeddedDatabase.start({ dataDir: dir, database: 'agentmesh_test' });
    state.__AGENTMESH_EMBEDDED__ = embedded;
    state.__AGENTMESH_TEST_DIR__ = dir;
    url = embedded.url;
  }
  assertTestDatabase(url);
  const dataSource = await new DataSource(
    dataSourceOptions({ url, poolSize: 2, statementTimeoutMs: 30_000, connectTimeoutMs: 5_000 }),
  ).initialize();
  try {
    await migrateWithLock(dataSource);
  } finally {
    await dataSource.destroy();
  }
  process.env.AGENTMESH_TEST_TEMPLATE_URL = url;
}
