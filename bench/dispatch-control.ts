import { Client } from 'pg';
import { Agent } from 'undici';
import { ADMIN_KEY, benchApi, BenchApi, freshDatabase, Server, startService } from './harness';

const AGENTS = 10;
const TASKS = Number(process.env.BENCH_DISPATCH_TASKS ?? 3000);
const FLOOD = Number(process.env.BENCH_FLOOD_TASKS ?? 20_000);
const SMALL_RUNS = 200;

type Task = { id: string; leaseToken: string };
type Claimed = { data: { tasks: Task[] } };

/**
 * Dispatch control (issue 18): what a rate limit costs the one-task-per-claim loop when it does
 * not bind (the dispatch scenario's load, once plain and once with every step naming a limit
 * of a billion a minute, in the same run), and the small tenant's claim wait while a large
 * tenant floods its own queue and its agents drain it.
 */
export async function benchDispatchControl(): Promise<void> {
  const plain = await oneTaskPerClaim(false);
  const limited = await oneTaskPerClaim(true);
  const plainAgain = await oneTaskPerClaim(false);
  const base = (plain + plainAgain) / 2;
  console.log('');
  console.log(
    `dispatch control, one task per claim (${AGENTS} agents over HTTP, ${TASKS} single-step runs, claim then complete):`,
  );
  console.log(`  plain: ${plain.toFixed(0)} tasks/s, then again ${plainAgain.toFixed(0)} tasks/s`);
  console.log(`  rate limit configured, not binding: ${limited.toFixed(0)} tasks/s`);
  console.log(
    `  ratio limited/plain (mean of both) = ${(limited / base).toFixed(2)} (goal >= 0.9)`,
  );

  const fair = await floodedTenants();
  console.log('');
  console.log(
    `small tenant's claim wait while a large one floods (${FLOOD} queued tasks of the large tenant, ` +
      `${AGENTS} of its agents draining them; ${SMALL_RUNS} runs of the small tenant, one agent):`,
  );
  console.log(
    `  small tenant: wait from queued to claimed p50 ${fair.p50.toFixed(1)} ms, p99 ${fair.p99.toFixed(1)} ms, max ${fair.max.toFixed(1)} ms`,
  );
  console.log(
    `  large tenant drained ${fair.largeRate.toFixed(0)} tasks/s meanwhile; one global FIFO would have put ` +
      `the small tenant's first task behind ${FLOOD} others: ~${(FLOOD / fair.largeRate).toFixed(0)} s at that rate (computed, not measured)`,
  );
}

async function oneTaskPerClaim(limited: boolean): Promise<number> {
  const db = await freshDatabase();
  let server: Server | undefined;
  const sql = new Client({ connectionString: db.url });
  const client = new Agent({ connections: AGENTS + 8 });
  try {
    server = await startService(db.url, {});
    await sql.connect();
    const api = benchApi(server.base, ADMIN_KEY, client);
    const { worker, agents } = await workers(api, 'ctl', AGENTS);
    if (limited) await api('/rate-limits', { key: 'provider', perMinute: 1e9, burst: 1e9 });
    const step = { key: 'a', skill: 'bench', ...(limited ? { rateLimit: 'provider' } : {}) };
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < TASKS) {
          next += 1;
          await api('/workflows', { type: 'bench', steps: [step] });
        }
      }),
    );
    await settle(sql);
    let done = 0;
    let finished = 0;
    const started = performance.now();
    await Promise.all(
      agents.map(async (agent) => {
        while (done < TASKS) {
          const [task] = (
            await api<Claimed>(`/agents/${agent}/tasks/claim`, { max: 1, waitSeconds: 1 }, worker)
          ).data.tasks;
          if (!task) continue;
          await api(`/tasks/${task.id}/complete`, { leaseToken: task.leaseToken }, worker);
          done += 1;
          if (done === TASKS) finished = performance.now();
        }
      }),
    );
    return TASKS / (((finished || performance.now()) - started) / 1000);
  } finally {
    await sql.end().catch(() => undefined);
    await client.close();
    await server?.stop();
    await db.dispose();
  }
}

async function floodedTenants(): Promise<{
  p50: number;
  p99: number;
  max: number;
  largeRate: number;
}> {
  const db = await freshDatabase();
  let server: Server | undefined;
  const sql = new Client({ connectionString: db.url });
  const client = new Agent({ connections: AGENTS + 16 });
  try {
    server = await startService(db.url, {});
    await sql.connect();
    const admin = benchApi(server.base, ADMIN_KEY, client);
    const keys: Record<string, string> = {};
    for (const tenant of ['large', 'small']) {
      await admin('/tenants', { id: tenant, name: tenant });
      keys[tenant] = (
        await admin<{ data: { key: string } }>('/api-keys', {
          name: `${tenant}-bench`,
          tenantId: tenant,
          scopes: ['agents:write', 'workflows:write', 'workflows:read', 'tasks:work'],
        })
      ).data.key;
    }
    const as = (tenant: string): BenchApi => {
      const api = benchApi(server!.base, keys[tenant], client);
      return (path, body) => api(path, body);
    };
    const large = await workers(as('large'), 'large', AGENTS, false);
    const small = await workers(as('small'), 'small', 1, false);
    await as('large')('/workflow-definitions', {
      key: 'job',
      steps: [{ key: 'do', skill: 'bench' }],
    });
    await as('small')('/workflow-definitions', {
      key: 'job',
      steps: [{ key: 'do', skill: 'bench' }],
    });
    // The flood, queued in one statement (an hour old: older than everything the small tenant queues).
    await sql.query(
      `INSERT INTO workflow_runs (id, tenant_id, type, definition_version, status, priority, input, steps)
       SELECT gen_random_uuid(), 'large', 'job', 1, 'pending', 0, '{}', d.steps
         FROM generate_series(1, $1::int)
        CROSS JOIN (SELECT steps FROM workflow_definitions WHERE tenant_id = 'large') d`,
      [FLOOD],
    );
    await sql.query(
      `INSERT INTO workflow_tasks (id, tenant_id, run_id, step_key, skill, status, input,
              max_attempts, retry_backoff, available_at)
       SELECT gen_random_uuid(), 'large', r.id, 'do', 'bench', 'queued', '{}', 3,
              '{"initialSeconds":1,"factor":2,"maxSeconds":300}', now() - interval '1 hour'
         FROM workflow_runs r WHERE r.tenant_id = 'large'`,
    );
    await sql.query('ANALYZE');
    let stop = false;
    let largeDone = 0;
    const started = performance.now();
    const drain = (api: BenchApi, agent: string, count?: () => void) =>
      (async () => {
        while (!stop) {
          const [task] = (
            await api<Claimed>(`/agents/${agent}/tasks/claim`, { max: 1, waitSeconds: 1 })
          ).data.tasks;
          if (!task) continue;
          await api(`/tasks/${task.id}/complete`, { leaseToken: task.leaseToken });
          count?.();
        }
      })();
    const loops = [
      ...large.agents.map((agent) => drain(as('large'), agent, () => (largeDone += 1))),
      drain(as('small'), small.agents[0]),
    ];
    // The small tenant's runs, one every 20 ms while the flood drains.
    for (let i = 0; i < SMALL_RUNS; i++) {
      await as('small')('/workflows', { definitionKey: 'job' });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // Until the small tenant's last task has been claimed.
    for (;;) {
      const { rows } = await sql.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM workflow_tasks WHERE tenant_id = 'small' AND claimed_at IS NULL`,
      );
      if (rows[0].n === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const largeRate = largeDone / ((performance.now() - started) / 1000);
    stop = true;
    await Promise.all(loops);
    const { rows } = await sql.query<{ ms: number }>(
      `SELECT extract(epoch FROM claimed_at - created_at) * 1000 AS ms
         FROM workflow_tasks WHERE tenant_id = 'small' ORDER BY 1`,
    );
    const waits = rows.map((row) => Number(row.ms));
    const at = (q: number) => waits[Math.min(waits.length - 1, Math.ceil(q * waits.length) - 1)];
    return { p50: at(0.5), p99: at(0.99), max: waits[waits.length - 1], largeRate };
  } finally {
    await sql.end().catch(() => undefined);
    await client.close();
    await server?.stop();
    await db.dispose();
  }
}

/** Agents with the one skill `bench`, and the key they work with. */
async function workers(
  api: BenchApi,
  prefix: string,
  count: number,
  workerKey = true,
): Promise<{ worker: string | undefined; agents: string[] }> {
  const worker = workerKey
    ? (await api<{ data: { key: string } }>('/api-keys', { name: 'w', scopes: ['tasks:work'] }))
        .data.key
    : undefined;
  const agents = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  for (const id of agents) {
    await api('/agents', {
      id,
      name: id,
      heartbeatIntervalSeconds: 3600,
      skills: [{ id: 'bench', name: 'bench' }],
    });
  }
  return { worker, agents };
}

/** Statistics as a database in service has them, and the queueing's events dispatched. */
async function settle(sql: Client): Promise<void> {
  await sql.query('ANALYZE');
  for (;;) {
    const { rows } = await sql.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM events WHERE dispatched_at IS NULL',
    );
    if (rows[0].n === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
