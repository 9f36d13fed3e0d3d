import { mkdtempSync, readFileSync } from 'node:fs';
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
 * sleep step has succeeded and every run's next task is queued (goal: within 2 s), and the CPU
 * the service's process and the database's backends spent meanwhile (a figure that a machine
 * shared with other work disturbs less than the wall time).
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
    // CPU spent from the due second on: this process (the service, and this loop) and the
    // database's backends of this database (read from /proc, when the server runs here).
    const backendsCpuMs = async (): Promise<number | undefined> => {
      const { rows: backends } = await pg.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`,
      );
      let ticks = 0;
      for (const { pid } of backends) {
        try {
          const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
          ticks += Number(fields[11]) + Number(fields[12]);
        } catch {
          return undefined;
        }
      }
      return ticks * 10;
    };
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, at.getTime() - Date.now())));
    const serviceCpu = process.cpuUsage();
    const backendsCpu = await backendsCpuMs();
    let resumedAt = 0;
    let firstAt = 0;
    // The probe is cheap while the wake runs (two index probes, not a count of every task
    // every 50 ms, about 7 % of the database's statement time during the burst): a woken run's
    // next task is queued in the transaction that ends its sleep, so the first queued task is
    // the first resumed run, and no sleep left waiting is the last. Both counts then confirm.
    const probe = `SELECT EXISTS (SELECT 1 FROM workflow_tasks WHERE status = 'queued') AS resumed,
                          EXISTS (SELECT 1 FROM workflow_tasks WHERE status = 'waiting') AS waiting`;
    for (;;) {
      const { rows: probed } = await pg.query<{ resumed: boolean; waiting: boolean }>(probe);
      const now = Date.now();
      if (!firstAt && probed[0].resumed) firstAt = now;
      if (!probed[0].waiting) {
        const { rows: counts } = await pg.query<{ slept: number; queued: number }>(
          `SELECT count(*) FILTER (WHERE step_key = 'nap' AND status = 'succeeded')::int AS slept,
                  count(*) FILTER (WHERE step_key = 'after' AND status = 'queued')::int AS queued
             FROM workflow_tasks`,
        );
        if (counts[0].slept === SLEEPERS && counts[0].queued === SLEEPERS) {
          resumedAt = now;
          break;
        }
      }
      if (now - at.getTime() > 300_000) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const seconds = (ms: number) => (ms / 1000).toFixed(2);
    const service = process.cpuUsage(serviceCpu);
    const backendsAfter = await backendsCpuMs();
    const cpu =
      `  CPU from the due second until then: service ${seconds((service.user + service.system) / 1000)} s` +
      (backendsCpu !== undefined && backendsAfter !== undefined
        ? `, database backends ${seconds(backendsAfter - backendsCpu)} s`
        : '');
    return [
      `durable sleep: ${SLEEPERS} sleeping steps due at the same second`,
      resumedAt
        ? `  all resumed (sleep succeeded, next task queued) ${seconds(resumedAt - at.getTime())} s after ` +
          `they were due (goal < 2 s); first after ${seconds(firstAt - at.getTime())} s; ` +
          `${Math.round(SLEEPERS / ((resumedAt - at.getTime()) / 1000))} steps/s`
        : '  not all resumed within 300 s',
      ...(resumedAt ? [cpu] : []),
    ];
  } finally {
    await pg.end();
    await app.close();
    await db.dispose();
  }
}
