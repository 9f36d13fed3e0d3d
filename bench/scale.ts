import { availableParallelism, loadavg } from 'node:os';
import { Client } from 'pg';
import { Agent, request } from 'undici';
import { ADMIN_KEY, freshDatabase, Server, startService } from './harness';

/**
 * The same operations at today's sizes and at ten times them, on one database that grows
 * between the two measurements: which stay flat, which grow. Sizes (×BENCH_SCALE, default 1):
 * 1×: 100,000 agents registered, 10,000 queued tasks, 1,000,000 audit entries; 10×: 1,000,000,
 * 100,000 and 10,000,000. Rows are seeded with SQL in the shapes the service writes (agents with
 * one of 100 skills, one single-step run per queued task, sealed audit entries with chain rows),
 * then ANALYZEd. The service runs with its workers off (no sealer or self-verification over the
 * seeded chain) and the discovery and metrics caches off, so each request reaches the database.
 * Each operation is timed SAMPLES times one request after the other (p50, p99 in ms); the load
 * average is printed after each level, since the machine may be shared.
 */
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const SAMPLES = Number(process.env.BENCH_SCALE_SAMPLES ?? 200);
const SKILLS = 100;

interface Sizes {
  agents: number;
  queued: number;
  audit: number;
}

const LEVELS: Array<{ name: string; sizes: Sizes }> = [
  {
    name: '1×',
    sizes: { agents: 100_000 * SCALE, queued: 10_000 * SCALE, audit: 1_000_000 * SCALE },
  },
  {
    name: '10×',
    sizes: { agents: 1_000_000 * SCALE, queued: 100_000 * SCALE, audit: 10_000_000 * SCALE },
  },
];

/** Agents there at every level: the ids single-agent operations pick from. */
const KNOWN_AGENTS = LEVELS[0].sizes.agents;

const STEPS = JSON.stringify([
  {
    key: 'work',
    skill: 'scale',
    dependsOn: [],
    timeoutSeconds: null,
    maxAttempts: 3,
    retryBackoff: { initialSeconds: 1, factor: 2, maxSeconds: 300 },
  },
]);

/** Grows the tables from `from` to `to` rows, in batches so no statement runs for minutes. */
async function seed(pg: Client, from: Sizes, to: Sizes): Promise<number> {
  const started = performance.now();
  const batch = 100_000;
  for (let at = from.agents; at < to.agents; at += batch) {
    const upto = Math.min(to.agents, at + batch);
    await pg.query(
      `INSERT INTO agents (tenant_id, id, name, description, labels, heartbeat_interval_seconds,
                           status, last_heartbeat_at)
       SELECT 'default', 'scale-' || i, 'Scale agent ' || i, 'Seeded agent number ' || i,
              '{}'::jsonb, 30, CASE WHEN i % 10 = 0 THEN 'offline' ELSE 'online' END, now()
         FROM generate_series($1::int, $2::int) i`,
      [at + 1, upto],
    );
    await pg.query(
      `INSERT INTO agent_skills (tenant_id, agent_id, skill_id, name, name_key, tags, examples)
       SELECT 'default', 'scale-' || i, 'skill-' || (i % ${SKILLS}), 'Skill ' || (i % ${SKILLS}),
              'skill ' || (i % ${SKILLS}), ARRAY['tag-' || (i % 7)], '{}'
         FROM generate_series($1::int, $2::int) i`,
      [at + 1, upto],
    );
  }
  for (let at = from.queued; at < to.queued; at += batch) {
    const upto = Math.min(to.queued, at + batch);
    await pg.query(
      `WITH runs AS (
         INSERT INTO workflow_runs (id, tenant_id, type, status, priority, input, steps, started_at)
         SELECT gen_random_uuid(), 'default', 'scale', 'running', 0, '{}'::jsonb, $3::jsonb, now()
           FROM generate_series($1::int, $2::int)
         RETURNING id)
       INSERT INTO workflow_tasks (id, tenant_id, run_id, step_key, skill, status, priority, input,
                                   max_attempts, retry_backoff, available_at)
       SELECT gen_random_uuid(), 'default', id, 'work', 'scale', 'queued', 0, '{}'::jsonb, 3,
              '{"initialSeconds":1,"factor":2,"maxSeconds":300}'::jsonb,
              now() - interval '1 hour'
         FROM runs`,
      [at + 1, upto, STEPS],
    );
  }
  const [{ seq }] = (
    await pg.query<{ seq: string }>('SELECT coalesce(max(seq), 0)::text AS seq FROM audit_chain')
  ).rows;
  const base = Number(seq);
  for (let at = from.audit; at < to.audit; at += batch) {
    const upto = Math.min(to.audit, at + batch);
    await pg.query(
      `WITH entries AS (
         INSERT INTO audit_entries (id, tenant_id, occurred_at, actor_type, actor_id, action,
                                    resource_type, resource_id, correlation_id, after, txid)
         SELECT gen_random_uuid(), 'default',
                to_char((now() - make_interval(secs => ($2::int - i)::float8 / 100))
                        AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                'apiKey', 'scale-key', 'task.claim', 'task', 'resource-' || (i % 100000),
                'scale', '{"n":1}'::jsonb, i - $4::bigint
           FROM generate_series($1::int, $2::int) i
         RETURNING id)
       INSERT INTO audit_chain (seq, entry_id, prev_hash, hash)
       SELECT $3::bigint + row_number() OVER (), id, repeat('0', 64), repeat('0', 64) FROM entries`,
      // Seeded entries' txids rise and stay below the service's own (positive) ones.
      [at + 1, upto, base + at - from.audit, LEVELS[LEVELS.length - 1].sizes.audit + 1],
    );
  }
  await pg.query('ANALYZE');
  return (performance.now() - started) / 1000;
}

interface Operation {
  name: string;
  run: (i: number) => Promise<void>;
}

export async function benchScale(): Promise<string[]> {
  const db = await freshDatabase();
  const dispatcher = new Agent({ connections: 4 });
  let server: Server | undefined;
  const pg = new Client({ connectionString: db.url });
  const lines: string[] = [];
  try {
    server = await startService(db.url, {
      WORKERS: 'off',
      DISCOVERY_CACHE: '0',
      METRICS_CACHE: '0',
    });
    await pg.connect();
    const base = `${server.base}/api/v1`;
    const headers = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
    const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
      const response = await request(`${base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        dispatcher,
      });
      const text = await response.body.text();
      if (response.statusCode >= 300) {
        throw new Error(`${method} ${path} answered ${response.statusCode}: ${text.slice(0, 300)}`);
      }
      return text ? (JSON.parse(text) as { data: Record<string, unknown> }) : undefined;
    };
    // The agent that claims the queued tasks, registered through the API.
    await call('POST', '/agents', {
      id: 'scale-worker',
      name: 'Scale worker',
      skills: [{ id: 'scale', name: 'Scale' }],
    });
    const operations: Operation[] = [
      {
        name: 'GET /agents?skill= (page of 20)',
        run: async (i) => void (await call('GET', `/agents?skill=skill-${i % SKILLS}&limit=20`)),
      },
      {
        name: 'GET /agents?q= (text, page of 20)',
        run: async (i) => void (await call('GET', `/agents?q=number%20${1000 + i}&limit=20`)),
      },
      {
        name: 'GET /agents/{id}',
        run: async (i) =>
          void (await call('GET', `/agents/scale-${1 + ((i * 37) % KNOWN_AGENTS)}`)),
      },
      {
        name: 'POST /agents/{id}/heartbeat',
        run: async (i) =>
          void (await call(
            'POST',
            `/agents/scale-${1 + (i % 9) + 10 * (i % (KNOWN_AGENTS / 10))}/heartbeat`,
            {
              status: 'healthy',
            },
          )),
      },
      {
        name: 'claim 1 + complete (queue of N)',
        run: async () => {
          const claimed = await call('POST', '/agents/scale-worker/tasks/claim', { max: 1 });
          const [task] = (claimed!.data.tasks as Array<{ id: string; leaseToken: string }>) ?? [];
          if (!task) throw new Error('the queue was empty');
          await call('POST', `/tasks/${task.id}/complete`, {
            leaseToken: task.leaseToken,
            output: {},
          });
        },
      },
      {
        name: 'POST /workflows (start a run)',
        run: async () =>
          void (await call('POST', '/workflows', {
            type: 'scale-start',
            steps: [{ key: 'a', skill: 'elsewhere' }],
          })),
      },
      {
        name: 'GET /workflows (page of 50)',
        run: async () => void (await call('GET', '/workflows?limit=50')),
      },
      {
        name: 'GET /audit (page of 50)',
        run: async () => void (await call('GET', '/audit?limit=50')),
      },
      {
        name: 'GET /audit?resourceId= (page of 50)',
        run: async (i) =>
          void (await call(
            'GET',
            `/audit?resourceType=task&resourceId=resource-${i * 13}&limit=50`,
          )),
      },
      {
        name: 'GET /metrics (scrape)',
        run: async () => {
          const response = await request(`${server!.base}/metrics`, { dispatcher });
          await response.body.text();
        },
      },
    ];
    const results = new Map<string, string[]>();
    let previous: Sizes = { agents: 0, queued: 0, audit: 0 };
    const header: string[] = [];
    for (const level of LEVELS) {
      const seconds = await seed(pg, previous, level.sizes);
      previous = level.sizes;
      header.push(level.name);
      lines.push(
        `seeded ${level.name}: ${level.sizes.agents.toLocaleString('en')} agents, ` +
          `${level.sizes.queued.toLocaleString('en')} queued tasks, ` +
          `${level.sizes.audit.toLocaleString('en')} audit entries (${seconds.toFixed(0)} s)`,
      );
      for (const operation of operations) {
        for (let i = 0; i < 20; i++) await operation.run(i);
        const timings: number[] = [];
        for (let i = 0; i < SAMPLES; i++) {
          const started = performance.now();
          await operation.run(i + 20);
          timings.push(performance.now() - started);
        }
        timings.sort((a, b) => a - b);
        const at = (q: number) =>
          timings[Math.min(timings.length - 1, Math.floor(q * timings.length))];
        const cells = results.get(operation.name) ?? [];
        cells.push(`${at(0.5).toFixed(2)} / ${at(0.99).toFixed(2)}`);
        results.set(operation.name, cells);
      }
      // The machine is shared: say how busy it was while this level was timed.
      lines.push(
        `measured ${level.name}: load average ${loadavg()
          .map((load) => load.toFixed(1))
          .join(', ')} (1, 5, 15 min) on ${availableParallelism()} cores`,
      );
    }
    const width = Math.max(...operations.map((operation) => operation.name.length));
    lines.push('');
    lines.push(
      `${'operation (p50 / p99 ms)'.padEnd(width)}  ${header.map((name) => name.padStart(15)).join('  ')}`,
    );
    for (const operation of operations) {
      const cells = results.get(operation.name) ?? [];
      lines.push(
        `${operation.name.padEnd(width)}  ${cells.map((cell) => cell.padStart(15)).join('  ')}`,
      );
    }
    const { rows } = await pg.query<{ size: string }>(
      'SELECT pg_size_pretty(pg_database_size(current_database())) AS size',
    );
    lines.push(`database size at 10×: ${rows[0].size}`);
    return lines;
  } finally {
    await pg.end().catch(() => undefined);
    await server?.stop();
    await dispatcher.close();
    await db.dispose();
  }
}
