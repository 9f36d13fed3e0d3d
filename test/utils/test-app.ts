import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { createApp } from '../../src/bootstrap';
import { AppConfig, loadConfig } from '../../src/config/config';
import { createTestDatabase, TestDatabase } from './databases';
import { testKeyFile } from './spawn-app';
import { isCatalogued } from '../../src/events/event-catalogue';
import { Client } from 'pg';

export const ADMIN_KEY = 'amk_test-admin-key-0123456789abcdef';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  db: TestDatabase;
  http: TestAgent;
  /** Authorization header of the platform admin key. */
  admin: { authorization: string };
  close(): Promise<void>;
}

/**
 * The production application (same bootstrap, same global providers) on a database cloned
 * for this test file. `env` overrides the environment the config is read from.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  options: { db?: TestDatabase } = {},
): Promise<TestApp> {
  const db = options.db ?? (await createTestDatabase());
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    ADMIN_API_KEY: ADMIN_KEY,
    AUDIT_KEY_FILE: testKeyFile(),
    // Tests scrape right after a change: every scrape reads (production reuses reads for 5 s).
    METRICS_CACHE: '0',
    // One connection opened and readied for claims at start (a replica keeps 4 by default):
    // the suites start hundreds of applications.
    DB_POOL_MIN: '1',
    ...env,
    DATABASE_URL: env.DATABASE_URL ?? db.url,
  });
  const app = await createApp(config);
  return {
    app,
    config,
    db,
    http: request(app.getHttpServer()),
    admin: { authorization: `Bearer ${ADMIN_KEY}` },
    close: async () => {
      await app.close();
      try {
        await assertEventsCatalogued(db.url);
      } finally {
        if (!options.db) await db.drop();
      }
    },
  };
}

/**
 * Makes the app listen on a free loopback port, for clients that need a real socket (the SDK,
 * SSE, agents over undici); answers its base URL.
 */
export async function listenOnLoopback(test: TestApp): Promise<string> {
  await test.app.listen({ port: 0, host: '127.0.0.1' });
  return (await test.app.getUrl()).replace('[::1]', '127.0.0.1');
}

/** Creates a key through the API and returns its Authorization header. */
export async function createKey(
  test: TestApp,
  body: {
    name?: string;
    scopes: string[];
    agentId?: string;
    tenantId?: string;
    expiresAt?: string;
  },
  headers: Record<string, string> = test.admin,
): Promise<{ id: string; key: string; authorization: string }> {
  const response = await test.http
    .post('/api/v1/api-keys')
    .set(headers)
    .send({ name: body.name ?? 'test key', ...body });
  if (response.status !== 201) {
    throw new Error(`creating a key answered ${response.status}: ${JSON.stringify(response.body)}`);
  }
  const { id, key } = response.body.data as { id: string; key: string };
  return { id, key, authorization: `Bearer ${key}` };
}

/**
 * Every event type the app emitted is in the catalogue that `GET /event-types` answers. Tests
 * that exercise the outbox or the streams themselves write made-up events: on `test` subjects,
 * or typed `test.*` (on a run's subject, to be streamed with it); those are left out.
 */
async function assertEventsCatalogued(url: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ type: string }>(
      `SELECT DISTINCT type FROM events
        WHERE subject_type NOT IN ('test', 't') AND type NOT LIKE 'test.%'`,
    );
    const missing = rows.map((row) => row.type).filter((type) => !isCatalogued(type));
    if (missing.length > 0) {
      throw new Error(
        `Event types emitted but missing from src/events/event-catalogue.ts: ${missing.join(', ')}`,
      );
    }
  } finally {
    await client.end();
  }
}

/**
 * `count` replicas on one database, as a deployment runs them: pools kept small (a server other
 * suites share), no request rate limit; a key that writes workflows and registers agents, and
 * one that works tasks. `close` closes the replicas, then the first with its database.
 */
export async function startReplicas(count: number): Promise<{
  apps: TestApp[];
  writer: { authorization: string };
  worker: { authorization: string };
  close(): Promise<void>;
}> {
  const env = { RATE_LIMIT_PER_MINUTE: '1000000', DB_POOL_SIZE: '8' };
  const apps = [await startTestApp(env)];
  while (apps.length < count) apps.push(await startTestApp(env, { db: apps[0].db }));
  const writer = await createKey(apps[0], {
    scopes: ['workflows:write', 'workflows:read', 'agents:write'],
  });
  const worker = await createKey(apps[0], { scopes: ['tasks:work'] });
  return {
    apps,
    writer: { authorization: writer.authorization },
    worker: { authorization: worker.authorization },
    close: async () => {
      for (const app of apps.slice(1)) await app.app.close();
      await apps[0].close();
    },
  };
}
