import { Client } from 'pg';
import { Agent } from 'undici';
import { ADMIN_KEY, benchApi, benchWorkers, freshDatabase, Server, startService } from './harness';

const AGENTS = 10;
const TASKS = Number(process.env.BENCH_ROUTING_TASKS ?? 2000);
const PRODUCERS = 4;

type Task = { id: string; leaseToken: string };
type Claimed = { data: { tasks: Task[] } };

/**
 * Outcome routing (issue 22): the one-task-per-claim loop of the dispatch scenario, with the
 * runs started while the agents work (so tasks are queued while agents wait, and outcome
 * routing draws among them), once with fifo steps, once with `routing: "outcome"`, and fifo
 * again, in the same run. Every agent succeeds, so none is quarantined: the draw, the
 * reservation and the targeted wake-up are what is compared.
 */
export async function benchRouting(): Promise<void> {
  const fifo = await oneTaskPerClaim('fifo');
  const outcome = await oneTaskPerClaim('outcome');
  const fifoAgain = await oneTaskPerClaim('fifo');
  const base = (fifo.rate + fifoAgain.rate) / 2;
  console.log('');
  console.log(
    `routing, one task per claim (${AGENTS} agents over HTTP long-polling, ${TASKS} single-step ` +
      `runs started by ${PRODUCERS} producers meanwhile, claim then complete):`,
  );
  console.log(
    `  fifo: ${fifo.rate.toFixed(0)} tasks/s, then again ${fifoAgain.rate.toFixed(0)} tasks/s`,
  );
  console.log(
    `  routing "outcome": ${outcome.rate.toFixed(0)} tasks/s ` +
      `(${outcome.drawn} of ${TASKS} tasks drawn for a waiting agent)`,
  );
  console.log(
    `  ratio outcome/fifo (mean of both) = ${(outcome.rate / base).toFixed(2)} (goal >= 0.9)`,
  );
}

async function oneTaskPerClaim(
  routing: 'fifo' | 'outcome',
): Promise<{ rate: number; drawn: number }> {
  const db = await freshDatabase();
  let server: Server | undefined;
  const client = new Agent({ connections: AGENTS + PRODUCERS + 4 });
  try {
    server = await startService(db.url, {});
    const api = benchApi(server.base, ADMIN_KEY, client);
    const { worker, agents } = await benchWorkers(api, 'route', AGENTS);
    await api('/workflow-definitions', {
      key: 'bench',
      routing,
      steps: [{ key: 'a', skill: 'bench' }],
    });
    let started = 0;
    let done = 0;
    let drawn = 0;
    let finished = 0;
    const clock = performance.now();
    await Promise.all([
      ...Array.from({ length: PRODUCERS }, async () => {
        while (started < TASKS) {
          started += 1;
          await api('/workflows', { definitionKey: 'bench' });
        }
      }),
      ...agents.map(async (agent) => {
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
    ]);
    if (routing === 'outcome') drawn = await reservedCount(db.url);
    return { rate: TASKS / (((finished || performance.now()) - clock) / 1000), drawn };
  } finally {
    await client.close();
    await server?.stop();
    await db.dispose();
  }
}

/** Tasks that were drawn for an agent (`reserved_for` stays as the record of the draw). */
async function reservedCount(url: string): Promise<number> {
  const sql = new Client({ connectionString: url });
  await sql.connect();
  try {
    const { rows } = await sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM workflow_tasks WHERE reserved_for IS NOT NULL`,
    );
    return rows[0].n;
  } finally {
    await sql.end();
  }
}
