import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource, QueryRunner } from 'typeorm';
import { MIGRATIONS } from '../migrations';
import { dataSourceOptions } from '../src/database/data-source-options';
import { migrateWithLock } from '../src/database/migrations';
import { createTestDatabase, TestDatabase } from './utils/databases';
import { waitFor } from './utils/spawn-app';

function open(url: string): Promise<DataSource> {
  return new DataSource(
    dataSourceOptions({ url, poolSize: 4, statementTimeoutMs: 30_000, connectTimeoutMs: 5_000 }),
  ).initialize();
}

async function tableNames(dataSource: DataSource): Promise<string[]> {
  const rows: Array<{ table_name: string }> = await dataSource.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
  );
  return rows.map((row) => row.table_name);
}

describe('migrations', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
    dataSource = await open(db.url);
  });

  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  it('run up, all the way down, and up again on an empty database', async () => {
    const applied = await migrateWithLock(dataSource);
    expect(applied).toHaveLength(MIGRATIONS.length);
    const tablesAfterUp = await tableNames(dataSource);
    expect(tablesAfterUp).toEqual(expect.arrayContaining(['tenants', 'api_keys', 'migrations']));

    for (let i = 0; i < MIGRATIONS.length; i += 1) await dataSource.undoLastMigration();
    expect(await tableNames(dataSource)).toEqual(['migrations']);

    expect(await migrateWithLock(dataSource)).toHaveLength(MIGRATIONS.length);
    expect(await tableNames(dataSource)).toEqual(tablesAfterUp);
  });

  it('agree with the entities: generating a migration from them yields nothing', async () => {
    // TypeORM 1.1.1 still reads array columns' type names concurrently on one connection while
    // it loads the schema (typeorm/typeorm#12055; #12105 serialised the other reads): its query
    // runner here sends one statement at a time.
    const createQueryRunner = dataSource.createQueryRunner.bind(dataSource);
    dataSource.createQueryRunner = (mode) => oneAtATime(createQueryRunner(mode));
    const pending = await dataSource.driver
      .createSchemaBuilder()
      .log()
      .finally(() => (dataSource.createQueryRunner = createQueryRunner));
    expect(pending.upQueries.map((query) => query.query)).toEqual([]);
  });

  it('two processes migrating at once apply each migration exactly once', async () => {
    const fresh = await createTestDatabase({ empty: true });
    const [first, second] = await Promise.all([open(fresh.url), open(fresh.url)]);
    try {
      const [a, b] = await Promise.all([migrateWithLock(first), migrateWithLock(second)]);
      expect(a.length + b.length).toBe(MIGRATIONS.length);
      const rows: unknown[] = await first.query('SELECT * FROM migrations');
      expect(rows).toHaveLength(MIGRATIONS.length);
    } finally {
      await Promise.all([first.destroy(), second.destroy()]);
      await fresh.drop();
    }
  });

  it('the deploy-step CLI (the migration Job) applies and reverts them', async () => {
    const fresh = await createTestDatabase({ empty: true });
    const cli = (command: string) =>
      new Promise<{ code: number | null; output: string }>((resolve) => {
        const child = spawn(
          process.execPath,
          [join(__dirname, '..', 'dist', 'src', 'database', 'migrate.cli.js'), command],
          { env: { ...process.env, DATABASE_URL: fresh.url }, stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.on('exit', (code) => resolve({ code, output }));
      });
    try {
      const run = await cli('run');
      expect(run).toEqual({ code: 0, output: expect.stringMatching(/^Applied: /) });
      expect(await cli('run')).toEqual({ code: 0, output: 'No pending migrations\n' });
      expect(await cli('revert')).toEqual({ code: 0, output: 'Reverted the last migration\n' });
    } finally {
      await fresh.drop();
    }
  });
});

describe('the connection pool', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
  });

  afterAll(() => db.drop());

  it('keeps its minimum of connections open when idle, and closes the rest', async () => {
    const options = dataSourceOptions({
      url: db.url,
      poolSize: 6,
      poolMin: 2,
      statementTimeoutMs: 30_000,
      connectTimeoutMs: 5_000,
      applicationName: 'agentmesh-pool-test',
    });
    // The service closes idle connections after 30 s; the test does not wait that long.
    const extra = (options as { extra: Record<string, unknown> }).extra;
    const dataSource = await new DataSource({
      ...options,
      extra: { ...extra, idleTimeoutMillis: 200 },
    }).initialize();
    const observer = new Client({ connectionString: db.url });
    await observer.connect();
    const open = async () => {
      const { rows } = await observer.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = 'agentmesh-pool-test'`,
      );
      return rows[0].n;
    };
    try {
      // Five statements at once: five connections.
      const running = Promise.all(
        Array.from({ length: 5 }, () => dataSource.query('SELECT pg_sleep(0.5)')),
      );
      await waitFor(async () => (await open()) === 5 || undefined, 5_000, 'five connections');
      await running;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(await open()).toBe(2);
    } finally {
      await observer.end();
      await dataSource.destroy();
    }
  });
});

function oneAtATime(runner: QueryRunner): QueryRunner {
  const query = runner.query.bind(runner) as (...args: unknown[]) => Promise<unknown>;
  let tail: Promise<unknown> = Promise.resolve();
  runner.query = ((...args: unknown[]) => {
    const result = tail.then(() => query(...args));
    tail = result.catch(() => undefined);
    return result;
  }) as QueryRunner['query'];
  return runner;
}
