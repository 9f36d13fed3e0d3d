import { join } from 'node:path';
import { Client } from 'pg';
import { displayPrefix, generateApiKey, hashApiKey } from '../src/auth/api-key.codec';
import { uuidv7 } from '../src/common/ids';
import { auditBench } from './audit';
import { benchBeats } from './beats';
import {
  ADMIN_KEY,
  freshDatabase,
  load,
  printTable,
  Row,
  Server,
  startServer,
  startService,
} from './harness';
import { runInboundWebhooksAlone } from './webhooks-in';
import { benchTasks } from './tasks';
import { benchDispatch } from './dispatch';
import { benchDispatchControl } from './dispatch-control';
import { benchRouting } from './routing';
import { benchTracing } from './tracing';
import { benchWebhooks } from './webhooks';
import { benchSleeps } from './sleeps';
import { benchStreams } from './streams';
import { benchScale } from './scale';
import { benchRetention } from './retention';
import { benchQuiet } from './quiet';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source-options';
import { migrateWithLock } from '../src/database/migrations';

const DIST = join(__dirname, '..');
const AGENTS = Number(process.env.BENCH_AGENTS ?? 100_000);
const CONNECTIONS = 50;
const DURATION = Number(process.env.BENCH_DURATION ?? 10);

/**
 * `npm run bench`: starts the built service on a fresh database, and beside it the same routes
 * with the cross-cutting stack off, drives both with autocannon and prints one table and the
 * ratios the issues ask for. Duration per scenario: BENCH_DURATION seconds (default 10).
 */
/**
 * `BENCH_ONLY=platform,webhooks-in,tasks,dispatch,dispatch-control,routing,webhooks,audit,tracing,sleeps,streams` (any of them) runs
 * those scenario groups; unset, all of them. `BENCH_ONLY=scale` (only when named: it seeds
 * 11 million rows) runs the same operations at today's sizes and at ten times them.
 * `BENCH_ONLY=retention` (only when named) times retention of a million events row by row and
 * by dropping their partition. `BENCH_ONLY=quiet` (only when named: it sits idle for minutes)
 * times a waiting agent's wake-up after quiet spells on an API replica.
 */
const ONLY = process.env.BENCH_ONLY?.split(',').map((name) => name.trim());
const wanted = (group: string) => !ONLY || ONLY.includes(group);

async function main() {
  if (wanted('platform')) await platform();
  if (wanted('webhooks-in')) await runInboundWebhooksAlone();
  if (wanted('tasks')) await benchTasks();
  if (wanted('dispatch')) await benchDispatch();
  if (wanted('dispatch-control')) await benchDispatchControl();
  if (wanted('routing')) await benchRouting();
  if (wanted('webhooks')) await benchWebhooks();
  if (wanted('tracing')) await benchTracing();
  if (wanted('sleeps')) {
    console.log('');
    for (const line of await benchSleeps()) console.log(line);
  }
  if (wanted('streams')) await benchStreams();
  if (ONLY?.includes('quiet')) {
    console.log('');
    for (const line of await benchQuiet()) console.log(line);
  }
  if (ONLY?.includes('scale')) {
    console.log('');
    for (const line of await benchScale()) console.log(line);
  }
  if (ONLY?.includes('retention')) {
    const db = await freshDatabase();
    try {
      const source = await new DataSource(
        dataSourceOptions({
          url: db.url,
          poolSize: 2,
          statementTimeoutMs: 600_000,
          connectTimeoutMs: 5_000,
        }),
      ).initialize();
      await migrateWithLock(source);
      await source.destroy();
      console.log('');
      for (const line of await benchRetention(db.url)) console.log(line);
    } finally {
      await db.dispose();
    }
  }
  if (wanted('audit')) {
    const db = await freshDatabase();
    try {
      const lines = await auditBench(db.url, DURATION);
      console.log('');
      for (const line of lines) console.log(line);
    } finally {
      await db.dispose();
    }
  }
}

async function platform() {
  const db = await freshDatabase();
  const rows: Row[] = [];
  const servers: Server[] = [];
  const started = (server: Server) => (servers.push(server), server);
  /** The service as it runs in production (logging at info), with `env` on top. */
  const service = async (env: Record<string, string> = {}) =>
    started(await startService(db.url, { LOG_LEVEL: 'info', ...env }));
  try {
    const full = await service();
    const admin = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
    for (let i = 0; i < 20; i += 1) {
      await post(`${full.base}/api/v1/api-keys`, admin, {
        name: `bench-${i}`,
        scopes: ['agents:read'],
      });
    }
    await seedAgents(db.url, AGENTS);
    // One agent key per connection: each client beats as its own agent, as a fleet does.
    // Inserted directly: key creation is rate limited to 30 a minute per key.
    const agentKeys = await seedAgentKeys(db.url, CONNECTIONS);
    const beat = JSON.stringify({ status: 'healthy' });
    // Discovery as a fleet asks it: each client after one of 50 skills (~1,000 agents each).
    const discoveryBySkill = (index: number) => ({
      path: `/api/v1/agents?skill=skill-${index}`,
      headers: admin,
    });
    const perAgent = (withKey: boolean) => (index: number) => ({
      path: `/api/v1/agents/agent-${index + 1}/heartbeat`,
      headers: {
        'content-type': 'application/json',
        ...(withKey ? { authorization: `Bearer ${agentKeys[index]}` } : {}),
      },
    });

    rows.push(await load('GET /health/live (full stack)', `${full.base}/health/live`, {}));
    rows.push(
      await load(
        'GET /api/v1/api-keys (full stack, authenticated)',
        `${full.base}/api/v1/api-keys`,
        admin,
      ),
    );
    rows.push(
      await load(
        `GET /api/v1/agents?skill= (full stack, ${AGENTS} agents)`,
        `${full.base}/`,
        {},
        { perConnection: discoveryBySkill },
      ),
    );
    rows.push(
      await load(
        'POST heartbeat (full stack, agent keys)',
        `${full.base}/`,
        {},
        {
          method: 'POST',
          body: beat,
          perConnection: perAgent(true),
        },
      ),
    );
    await full.stop();

    // Discovery again with its cache off: what each query costs PostgreSQL.
    const uncached = await service({ DISCOVERY_CACHE: '0' });
    rows.push(
      await load(
        `GET /api/v1/agents?skill= (cache off, ${AGENTS} agents)`,
        `${uncached.base}/`,
        {},
        { perConnection: discoveryBySkill },
      ),
    );
    await uncached.stop();

    const bare = started(
      await startServer(
        join(DIST, 'bench', 'bare-server.js'),
        { DATABASE_URL: db.url },
        '/health/live',
      ),
    );
    rows.push(await load('GET /health/live (stack off)', `${bare.base}/health/live`, {}));
    rows.push(await load('GET /api/v1/api-keys (stack off)', `${bare.base}/api/v1/api-keys`, {}));
    await bare.stop();

    const bareBeat = started(
      await startServer(
        join(DIST, 'bench', 'bare-heartbeat-server.js'),
        { DATABASE_URL: db.url },
        '/health/live',
      ),
    );
    rows.push(
      await load(
        'POST heartbeat (bare fastify + pg)',
        `${bareBeat.base}/`,
        {},
        {
          method: 'POST',
          body: beat,
          perConnection: perAgent(false),
        },
      ),
    );
    await bareBeat.stop();
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await db.dispose();
  }

  printTable(rows);
  const byName = (prefix: string) => rows.find((row) => row.scenario.startsWith(prefix))!;
  const ratio = (full: string, off: string) =>
    (byName(full).reqPerSec / byName(off).reqPerSec).toFixed(2);
  console.log('');
  console.log(
    `overhead ratio, GET /health/live: full/off = ${ratio('GET /health/live (full', 'GET /health/live (stack')}x (one run; the medians follow)`,
  );
  console.log(
    `overhead ratio, DB-reading GET:   full/off = ${ratio('GET /api/v1/api-keys (full', 'GET /api/v1/api-keys (stack')}x (goal >= 0.5x)`,
  );
  console.log(
    `heartbeat ratio: full/bare = ${ratio('POST heartbeat (full', 'POST heartbeat (bare')}x (one run; the medians follow)`,
  );
  console.log(
    `discovery p99 at ${CONNECTIONS} connections, ${AGENTS} agents: ${byName('GET /api/v1/agents?skill= (full').p99} ms (goal < 20 ms); cache off: ${byName('GET /api/v1/agents?skill= (cache off').p99} ms`,
  );
  // Heartbeats and the probe in alternated rounds (medians), and the fleet at its interval.
  await benchBeats();
}

async function post(url: string, headers: Record<string, string>, body: unknown): Promise<unknown> {
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  if (!response.ok)
    throw new Error(`POST ${url} answered ${response.status}: ${await response.text()}`);
  return response.json();
}

async function seedAgentKeys(url: string, count: number): Promise<string[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const keys: string[] = [];
    for (let i = 1; i <= count; i += 1) {
      const key = generateApiKey();
      await client.query(
        `INSERT INTO api_keys (id, tenant_id, name, prefix, key_hash, scopes, agent_id)
         VALUES ($1, 'default', $2, $3, $4, '{tasks:work}', $2)`,
        [uuidv7(), `agent-${i}`, displayPrefix(key), hashApiKey(key)],
      );
      keys.push(key);
    }
    return keys;
  } finally {
    await client.end();
  }
}

/** Registers `count` agents with 100 distinct skills straight in SQL (the API is not what is measured here). */
async function seedAgents(url: string, count: number): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO agents (tenant_id, id, name, heartbeat_interval_seconds, status, last_heartbeat_at)
       SELECT 'default', 'agent-' || g, 'Agent ' || g, 3600, 'online', now() FROM generate_series(1, $1) g`,
      [count],
    );
    await client.query(
      `INSERT INTO agent_skills (tenant_id, agent_id, skill_id, name, name_key, tags)
       SELECT 'default', 'agent-' || g, 'skill-' || (g % 100), 'Skill ' || (g % 100), 'skill ' || (g % 100),
              ARRAY['tag-' || (g % 10)]
         FROM generate_series(1, $1) g`,
      [count],
    );
    await client.query('ANALYZE agents; ANALYZE agent_skills');
  } finally {
    await client.end();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
