import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The server and template database prepared by global setup. */
export function templateUrl(): string {
  const url = process.env.AGENTMESH_TEST_TEMPLATE_URL;
  if (!url)
    throw new Error('AGENTMESH_TEST_TEMPLATE_URL is unset: run through jest (global setup)');
  return url;
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}

/** Refuses anything but a database whose name says it is for tests. */
export function assertTestDatabase(url: string): void {
  const name = databaseName(url);
  if (!/test/i.test(name)) {
    throw new Error(
      `Refusing to run tests against database "${name}": its name must contain "test"`,
    );
  }
}

export async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: withDatabase(url, 'postgres') });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A database of this test file's own: a clone of the migrated template, or empty. */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const template = templateUrl();
  const name = `${databaseName(template)}_${randomBytes(5).toString('hex')}`;
  const source = options.empty ? 'template0' : databaseName(template);
  for (let attempt = 0; ; attempt += 1) {
    try {
      await adminQuery(template, `CREATE DATABASE "${name}" TEMPLATE "${source}"`);
      break;
    } catch (error) {
      // Two files cloning the template at the same instant: PostgreSQL asks us to retry.
      if (attempt >= 20 || !/being accessed by other users/.test((error as Error).message))
        throw error;
      await new Promise((done) => setTimeout(done, 100 + Math.random() * 200));
    }
  }
  const url = withDatabase(template, name);
  return {
    url,
    drop: () => adminQuery(template, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

/** Another session of this database waiting for a lock (a statement blocked by ours). */
export async function someoneWaitsForALock(db: Client): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid()
        AND wait_event_type = 'Lock'`,
  );
  return rows.length > 0;
}
