import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createApp } from '../src/bootstrap';
import { loadConfig } from '../src/config/config';
import { freshDatabase } from './harness';

const SLEEPERS = Number(process.env.BENCH_SLEEPERS ?? 10_000);
const LEAD_SECONDS = 5;

/**
 * Durable sleep at scale: SLEEPERS runs, each a sleep step followed by a task step, all of them
 * due in the same second. The service (in this process, WORKERS on, its reaper's timer loop
 * waking them) runs on a fresh database; the rows are seeded with SQL as the engine writes them
 * (a run per sleeper, its sleep step waiting with wake_at = T). Measured: from T until every
 * sleep step has succeeded and every run's next task is queued (goal: within 2 s).
 */
export async function benchSleeps(): Promise<string[]> {
  const db = await freshDatabase();
  const config = loadConfig({
    DATABASE_URL: db.url,
    LOG_LEVEL: 'warn',
    AUDIT_KEY_FILE: join(mkdtempSync(join(tmpdir(), 'agentmesh-bench-key-')), 'key.pem'),
  });
  const app = await createApp(config);
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  try {
    const steps = JSON.stringify([
      {
        key: 'nap',
        kind: 'sleep',
        skill: '',
        seconds: 60,
        dependsOn: [],
        timeoutSeconds: null,
        maxAttempts: 1,
        retryBackoff: { initialSeconds: 1, factor: 2, maxSeconds: 300 },
      },
      {
        key: 'after',
        skill: 'notes',
        dependsOn: ['nap'],
        timeoutSeconds: null,
        maxAttempts: 3,
        retryBackoff: { initialSeconds: 1, factor: 2, maxSeconds: 300 },
      },
    ]);
    const { rows } = await pg.query<{ at: Date }>(
      `SELECT date_trunc('second', now()) + make_interval(secs => $1) AS at`,
      [LEAD_SECONDS],
    );
    const at = rows[0].at;
    await pg.query('BEGIN');
    await pg.query(
      `INSERT INTO workflow_runs (id, tenant_id, type, status, priority, input, steps, started_at)
       SELECT gen_random_uuid(), 'default', 'sleepers', 'running', 0, '{}'::jsonb, $1::jsonb, now()
         FROM generate_series(1, $2)`,
      [steps, SLEEPERS],
    );
    await pg.query(
      `INSERT INTO workflow_tasks (id, tenant_id, run_id, step_key, kind, skill, status, input,
         max_attempts, retry_backoff, wait_for, wake_at)
       SELECT gen_random_uuid(), 'default', r.id, 'nap', 'sleep', '', 'waiting',
              '{"input": {}, "dependencies": {}}'::jsonb, 1,
              '{"initialSeconds": 1, "factor": 2, "maxSeconds": 300}'::jsonb,
              '{"sleep": {"seconds": 60}}'::jsonb, $1
         FROM workflow_runs r WHERE r.type = 'sleepers'`,
      [at],
    );
    await pg.query('COMMIT');
    const seededAt = Date.now();
    if (seededAt > at.getTime()) {
      return [`sleeps: seeding took longer than ${LEAD_SECONDS} s; raise LEAD_SECONDS`];
    }
    let resumedAt = 0;
    let firstAt = 0;
    for (;;) {
      const { rows: counts } = await pg.query<{ slept: number; queued: number }>(
        `SELECT count(*) FILTER (WHERE step_key = 'nap' AND status = 'succeeded')::int AS slept,
                count(*) FILTER (WHERE step_key = 'after' AND status = 'queued')::int AS queued
           FROM workflow_tasks`,
      );
      const now = Date.now();
      if (!firstAt && counts[0].slept > 0) firstAt = now;
      if (counts[0].slept === SLEEPERS && counts[0].queued === SLEEPERS) {
        resumedAt = now;
        break;
      }
      if (now - at.getTime() > 300_000) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const seconds = (ms: number) => (ms / 1000).toFixed(2);
    return [
      `durable sleep: ${SLEEPERS} sleeping steps due at the same second`,
      resumedAt
        ? `  all resumed (sleep succeeded, next task queued) ${seconds(resumedAt - at.getTime())} s after ` +
          `they were due (goal < 2 s); first after ${seconds(firstAt - at.getTime())} s; ` +
          `${Math.round(SLEEPERS / ((resumedAt - at.getTime()) / 1000))} steps/s`
        : '  not all resumed within 300 s',
    ];
  } finally {
    await pg.end();
    await app.close();
    await db.dispose();
  }
}
