import { Client } from 'pg';
import { EXACT_UP_TO } from '../src/metrics/bounded-count';
import { QUEUE_EXACT_UP_TO } from '../src/workflows/workflow-metrics';
import { createTestDatabase, TestDatabase } from './utils/databases';
import { startTestApp, TestApp } from './utils/test-app';

/** The value of one sample on /metrics, or undefined when the series is absent. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

const STEPS = JSON.stringify([{ key: 'work', skill: 'x', dependsOn: [] }]);

/**
 * The /metrics gauges read bounded: exact counts below EXACT_UP_TO, the planner's estimate
 * above, each queue's oldest claimable age from the heads of the queue index, the audit backlog
 * from the chain's head. Each is checked against the exact answer computed here with SQL.
 */
describe('/metrics at scale', () => {
  let db: TestDatabase;
  let api: TestApp;
  let sql: Client;
  const scrape = async (app: TestApp = api) => {
    const response = await app.http.get('/metrics');
    expect(response.status).toBe(200);
    return response.text;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApp({ WORKERS: 'off' }, { db });
    sql = new Client({ connectionString: db.url });
    await sql.connect();
    for (const tenant of ['ms-a', 'ms-b']) {
      const created = await api.http
        .post('/api/v1/tenants')
        .set(api.admin)
        .send({ id: tenant, name: tenant });
      expect(created.status).toBe(201);
    }
  });

  afterAll(async () => {
    await sql?.end();
    await api?.close();
    await db?.drop();
  });

  const agents = (from: number, to: number, status: string) =>
    sql.query(
      `INSERT INTO agents (tenant_id, id, name, description, labels, heartbeat_interval_seconds,
                           status, last_heartbeat_at)
       SELECT 'ms-a', 'ms-' || $3 || '-' || i, 'Agent ' || i, '', '{}'::jsonb, 30, $3, now()
         FROM generate_series($1::int, $2::int) i`,
      [from, to, status],
    );

  it('counts agents by status exactly below the cap and estimates above it', async () => {
    const online = EXACT_UP_TO + 50;
    await agents(1, online, 'online');
    await agents(1, 2, 'degraded');
    await agents(1, 3, 'draining');
    await agents(1, 7, 'offline');
    await sql.query('ANALYZE agents');
    const text = await scrape();
    expect(sample(text, 'agents', 'status="degraded"')).toBe(2);
    expect(sample(text, 'agents', 'status="draining"')).toBe(3);
    expect(sample(text, 'agents', 'status="offline"')).toBe(7);
    // Above the cap: the planner's estimate, never below what the bounded scan saw.
    const estimated = sample(text, 'agents', 'status="online"')!;
    expect(estimated).toBeGreaterThan(EXACT_UP_TO);
    expect(Math.abs(estimated - online)).toBeLessThan(online * 0.1);
    expect(text).toMatch(/^# HELP agents .*the planner's estimate/m);
  });

  const task = async (
    tenant: string,
    skill: string,
    options: {
      count?: number;
      priority?: number;
      rateLimitKey?: string;
      dueIn: string;
      type?: string;
      units?: number;
    },
  ) => {
    await sql.query(
      `WITH runs AS (
         INSERT INTO workflow_runs (id, tenant_id, type, status, priority, input, steps, started_at)
         SELECT gen_random_uuid(), $1, $8, 'running', 0, '{}'::jsonb, $6::jsonb, now()
           FROM generate_series(1, $3::int)
         RETURNING id)
       INSERT INTO workflow_tasks (id, tenant_id, run_id, step_key, skill, status, priority, input,
                                   max_attempts, retry_backoff, available_at, rate_limit_key,
                                   rate_units)
       SELECT gen_random_uuid(), $1, id, 'work', $2, 'queued', $4, '{}'::jsonb, 3,
              '{"initialSeconds":1,"factor":2,"maxSeconds":300}'::jsonb, now() + $5::interval,
              $7::text, CASE WHEN $7::text IS NULL THEN NULL ELSE $9::float8 END
         FROM runs`,
      [
        tenant,
        skill,
        options.count ?? 1,
        options.priority ?? 0,
        options.dueIn,
        STEPS,
        options.rateLimitKey ?? null,
        options.type ?? 'ms',
        options.units ?? 1,
      ],
    );
  };

  it("reads each skill's depth and oldest claimable age from the queue index's heads", async () => {
    // ms-s1: the highest priority group is not due yet; the oldest due task sits in another
    // tenant, and one in a rate-limited group of its own with tokens to spare.
    await sql.query(
      `INSERT INTO rate_limits (tenant_id, key, per_minute, burst) VALUES
         ('ms-a', 'ms-rk', 60, 10), ('ms-a', 'ms-dry', 1, 10);
       INSERT INTO rate_limit_shards (tenant_id, key, shard, per_minute, burst, tokens) VALUES
         ('ms-a', 'ms-rk', 0, 60, 10, 10), ('ms-a', 'ms-dry', 0, 1, 10, 0)`,
    );
    await task('ms-a', 'ms-s1', { count: 2, priority: 5, dueIn: '1 hour' });
    await task('ms-a', 'ms-s1', { count: 3, priority: 0, dueIn: '-10 minutes' });
    await task('ms-a', 'ms-s1', { priority: 0, rateLimitKey: 'ms-rk', dueIn: '-20 minutes' });
    await task('ms-b', 'ms-s1', { count: 2, priority: 3, dueIn: '-30 minutes' });
    // Not claimable, and so neither counted nor aged (they wait for what the alert on a stale
    // queue does not watch): a limit that does not exist, one out of tokens, a paused definition.
    await task('ms-a', 'ms-s1', { rateLimitKey: 'ms-gone', dueIn: '-50 minutes' });
    await task('ms-a', 'ms-s1', { rateLimitKey: 'ms-dry', units: 5, dueIn: '-50 minutes' });
    await sql.query(
      `INSERT INTO workflow_definition_pauses (tenant_id, definition_key) VALUES ('ms-b', 'ms-paused')`,
    );
    await task('ms-b', 'ms-s1', { count: 2, type: 'ms-paused', priority: 9, dueIn: '-50 minutes' });
    await task('ms-b', 'ms-s1', { priority: 3, dueIn: '2 hours' });
    // ms-s2: nothing claimable yet.
    await task('ms-a', 'ms-s2', { count: 2, dueIn: '1 hour' });
    // ms-s3: deeper than the per-queue cap.
    await task('ms-b', 'ms-s3', { count: QUEUE_EXACT_UP_TO + 200, dueIn: '-1 minute' });
    await sql.query('ANALYZE workflow_tasks');
    const text = await scrape();
    const { rows } = await sql.query<{ skill: string; depth: number; age: number }>(
      `SELECT t.skill, count(*)::int AS depth,
              extract(epoch FROM now() - min(t.available_at))::float8 AS age
         FROM workflow_tasks t JOIN workflow_runs r ON r.id = t.run_id
        WHERE t.status = 'queued' AND t.available_at <= now()
          AND coalesce(t.rate_limit_key, 'ms-rk') = 'ms-rk' AND r.type <> 'ms-paused'
        GROUP BY t.skill`,
    );
    const exact = new Map(rows.map((row) => [row.skill, row]));
    expect(exact.get('ms-s1')?.depth).toBe(6);
    expect(sample(text, 'task_queue_depth', 'skill="ms-s1"')).toBe(6);
    const age = sample(text, 'task_queue_oldest_age_seconds', 'skill="ms-s1"')!;
    expect(Math.abs(age - exact.get('ms-s1')!.age)).toBeLessThan(30);
    expect(age).toBeGreaterThan(29 * 60);
    expect(sample(text, 'task_queue_depth', 'skill="ms-s2"')).toBeUndefined();
    const deep = sample(text, 'task_queue_depth', 'skill="ms-s3"')!;
    expect(deep).toBeGreaterThan(QUEUE_EXACT_UP_TO);
    expect(Math.abs(deep - exact.get('ms-s3')!.depth)).toBeLessThan(exact.get('ms-s3')!.depth / 2);
    expect(sample(text, 'task_queue_depth', 'skill="other"')).toBe(0);
    // Every queued task, due or not, below the cap: exact.
    const [{ queued }] = (
      await sql.query<{ queued: number }>(
        `SELECT count(*)::int AS queued FROM workflow_tasks WHERE status = 'queued'`,
      )
    ).rows;
    expect(sample(text, 'workflow_tasks_active', 'status="queued"')).toBe(queued);
    const [{ running }] = (
      await sql.query<{ running: number }>(
        `SELECT count(*)::int AS running FROM workflow_runs WHERE status = 'running'`,
      )
    ).rows;
    expect(sample(text, 'workflow_runs_active', 'status="running"')).toBe(running);
  });

  it('counts the unsealed audit entries from the chain head, with the oldest one', async () => {
    // The workers are off: nothing seals. Chain every entry so far, as the sealer would.
    await sql.query(
      `INSERT INTO audit_chain (seq, entry_id, prev_hash, hash)
       SELECT row_number() OVER (ORDER BY txid, id), id, repeat('0', 64), repeat('0', 64)
         FROM audit_entries`,
    );
    let text = await scrape();
    expect(sample(text, 'audit_unsealed_entries')).toBe(0);
    expect(sample(text, 'audit_oldest_unsealed_age_seconds')).toBe(0);
    // Three entries after the head, written in one later transaction, one of them old.
    await sql.query(
      `INSERT INTO audit_entries (id, tenant_id, occurred_at, actor_type, actor_id, action,
                                  resource_type, resource_id, txid)
       SELECT gen_random_uuid(), 'ms-a',
              to_char((now() - make_interval(mins => i * 10)) AT TIME ZONE 'UTC',
                      'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
              'apiKey', 'k', 'test.unsealed', 'test', 'r-' || i, txid_current()
         FROM generate_series(1, 3) i`,
    );
    text = await scrape();
    expect(sample(text, 'audit_unsealed_entries')).toBe(3);
    const age = sample(text, 'audit_oldest_unsealed_age_seconds')!;
    expect(age).toBeGreaterThan(29 * 60);
    expect(age).toBeLessThan(31 * 60);
  });

  it('reuses a scrape for METRICS_CACHE, then reads again', async () => {
    const cached = await startTestApp({ WORKERS: 'off', METRICS_CACHE: '3s' }, { db });
    try {
      expect(sample(await scrape(cached), 'agents', 'status="draining"')).toBe(3);
      await agents(4, 4, 'draining');
      expect(sample(await scrape(cached), 'agents', 'status="draining"')).toBe(3);
      await new Promise((done) => setTimeout(done, 3_100));
      expect(sample(await scrape(cached), 'agents', 'status="draining"')).toBe(4);
    } finally {
      await cached.close();
    }
  });
});
