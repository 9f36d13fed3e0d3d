import { join } from 'node:path';
import { Client } from 'pg';
import { Agent } from 'undici';
import { uuidv7 } from '../src/common/ids';
import {
  benchApi,
  benchWorkers,
  cpuSeconds,
  freshDatabase,
  sessionCpu,
  startServer,
} from './harness';

const ADMIN_KEY = 'amk_bench-admin-key-0123456789abcdef';
const DIST = join(__dirname, '..');
const AGENTS = Number(process.env.BENCH_TASK_AGENTS ?? 32);
const RUNS = Number(process.env.BENCH_TASK_RUNS ?? 1000);
const STEPS_PER_RUN = Number(process.env.BENCH_TASK_STEPS ?? 10);
const CLAIM_MAX = 5;
const WAKE_SAMPLES = Number(process.env.BENCH_WAKE_SAMPLES ?? 300);

/**
 * Task dispatch end to end over HTTP, against the built service on a fresh database:
 *  1. throughput: AGENTS agents loop claim (max 5) + complete over HTTP until RUNS runs of 10
 *     parallel steps are done; every claim and completion writes its audit entry and event.
 *  2. wake-up latency: an agent long-polls; a task is committed (INSERT + NOTIFY, straight in
 *     SQL so the clock starts at COMMIT); the time until the agent has it in its HTTP response.
 */
export async function benchTasks(): Promise<void> {
  const db = await freshDatabase();
  const server = await startServer(
    join(DIST, 'src', 'main.js'),
    {
      DATABASE_URL: db.url,
      ADMIN_API_KEY: ADMIN_KEY,
      RATE_LIMIT_PER_MINUTE: '10000000',
      LOG_LEVEL: 'warn',
    },
    '/health/ready',
  );
  const sql = new Client({ connectionString: db.url });
  // undici's own request API, kept alive: fetch cost this load generator, on the same two cores
  // as the service, about four times the CPU (0.41 against 0.11 ms per task).
  const client = new Agent({ connections: AGENTS * CLAIM_MAX + 8 });
  try {
    await sql.connect();
    const api = benchApi(server.base, ADMIN_KEY, client);
    const { worker, agents } = await benchWorkers(api, 'bench-agent', AGENTS);

    // Seed the queue over HTTP too (8 at a time): the creation rate is printed as a by-product.
    const seedStart = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < RUNS) {
          next += 1;
          await api('/workflows', {
            type: 'bench',
            steps: Array.from({ length: STEPS_PER_RUN }, (_, s) => ({
              key: `s${s}`,
              skill: 'bench',
            })),
          });
        }
      }),
    );
    const seedSeconds = (performance.now() - seedStart) / 1000;
    const total = RUNS * STEPS_PER_RUN;

    // CPU of the service, of its database sessions and of this load generator, per task.
    // Sessions opened during the run count from zero.
    const cpuBefore = {
      service: cpuSeconds(server.pid),
      database: await sessionCpu(sql),
      load: process.cpuUsage(),
    };
    let done = 0;
    let errors = 0;
    const started = performance.now();
    await Promise.all(
      agents.map(async (agent) => {
        while (done < total) {
          const claimed = await api<{ data: { tasks: Array<{ id: string; leaseToken: string }> } }>(
            `/agents/${agent}/tasks/claim`,
            { max: CLAIM_MAX, waitSeconds: 1 },
            worker,
          );
          const tasks = claimed.data.tasks;
          await Promise.all(
            tasks.map((task) =>
              api(
                `/tasks/${task.id}/complete`,
                { leaseToken: task.leaseToken, output: { ok: true } },
                worker,
              ).then(
                () => (done += 1),
                () => (errors += 1),
              ),
            ),
          );
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const loadCpu = process.cpuUsage(cpuBefore.load);
    let databaseCpu = 0;
    for (const [pid, cpu] of await sessionCpu(sql))
      databaseCpu += cpu - (cpuBefore.database.get(pid) ?? 0);
    const perTask = (cpu: number) => ((1000 * cpu) / Math.max(done, 1)).toFixed(2);
    const cpuLine = [
      `service ${perTask(cpuSeconds(server.pid) - cpuBefore.service)} ms`,
      `database sessions ${perTask(databaseCpu)} ms`,
      `load generator ${perTask((loadCpu.user + loadCpu.system) / 1e6)} ms`,
    ].join(', ');
    const { rows } = await sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_entries WHERE action IN ('task.claim', 'task.succeed')`,
    );

    // Wake-up latency: the other agents stay parked on other skills meanwhile.
    const latencies: number[] = [];
    for (let i = 0; i < WAKE_SAMPLES; i += 1) {
      const waiting = api('/agents/bench-agent-0/tasks/claim', { waitSeconds: 10 }, worker).then(
        () => performance.now(),
      );
      await new Promise((resolve) => setTimeout(resolve, 5));
      const runId = uuidv7();
      await sql.query('BEGIN');
      await sql.query(
        `INSERT INTO workflow_runs (id, tenant_id, type, status, steps)
         VALUES ($1, 'default', 'wake', 'pending', '[{"key":"a","skill":"bench","dependsOn":[],"timeoutSeconds":null,"maxAttempts":1,"retryBackoff":{"initialSeconds":0,"factor":1,"maxSeconds":0}}]')`,
        [runId],
      );
      await sql.query(
        `INSERT INTO workflow_tasks (id, tenant_id, run_id, step_key, skill, status, input, max_attempts, retry_backoff)
         VALUES ($1, 'default', $2, 'a', 'bench', 'queued', '{}', 1, '{"initialSeconds":0,"factor":1,"maxSeconds":0}')`,
        [uuidv7(), runId],
      );
      await sql.query(`SELECT pg_notify('agentmesh_tasks', 'default' || chr(10) || 'bench')`);
      const committing = performance.now();
      await sql.query('COMMIT');
      latencies.push((await waiting) - committing);
    }
    latencies.sort((a, b) => a - b);
    const pct = (p: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];

    console.log('');
    console.log(
      `task dispatch (${AGENTS} agents over HTTP, claim max ${CLAIM_MAX} + complete, audited):`,
    );
    console.log(
      `  runs created: ${RUNS} × ${STEPS_PER_RUN} steps in ${seedSeconds.toFixed(1)} s (${Math.round(RUNS / seedSeconds)} runs/s over HTTP)`,
    );
    console.log(
      `  tasks claimed + completed: ${done} in ${seconds.toFixed(1)} s = ${Math.round(done / seconds)} tasks/s (goal >= 1000/s); errors ${errors}`,
    );
    console.log(`  CPU per task: ${cpuLine}`);
    console.log(`  audit entries for claims and completions: ${rows[0].n} (expected ${2 * total})`);
    console.log(
      `  wake-up latency, COMMIT → waiting agent's response (${latencies.length} samples): p50 ${pct(50).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms (goal p50 < 10 ms, p99 < 50 ms)`,
    );
  } finally {
    await sql.end().catch(() => undefined);
    await client.close();
    await server.stop();
    await db.dispose();
  }
}
