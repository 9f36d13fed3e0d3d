import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { Agent } from 'undici';
import {
  ADMIN_KEY,
  BenchApi,
  benchApi,
  benchWorkers,
  cpuSeconds,
  freshDatabase,
  ROW_COUNTS_SETTLE_MS,
  rowWrites,
  rowsWrittenSince,
  Server,
  sessionCpu,
  OUTBOX_COUNT,
  startServer,
  startService,
  untilNone,
} from './harness';
import { BARE_QUEUE_TABLE } from './bare-queue-server';
import { graphilePeer, PeerFigures } from './graphile-peer';
import type { QueryCounts } from './query-counter';

const AGENTS = 10;
const TASKS = Number(process.env.BENCH_DISPATCH_TASKS ?? 3000);

interface Figures extends PeerFigures {
  errors: number;
  /** Statements sent behind an unanswered one (pipeline mode): no round trip of their own. */
  pipelined: number;
  /** The statements most sent per task, with their round trips per task. */
  statements: Array<[string, number]>;
  /** Rows written per task, by table (partitions by their own names). */
  rowsByTable: Array<[string, number]>;
}

/**
 * One task per claim, the way agents that call LLMs work: AGENTS agents over HTTP (undici's
 * `request`), each claiming `max: 1` and completing it, TASKS single-step runs queued beforehand
 * through the API (audited, with their events dispatched before the clock starts), the whole
 * stack. Beside it, in the same run and on the same PostgreSQL server, graphile-worker with
 * as many workers and no batching, and the bare HTTP queue (the plain loop's floor over HTTP).
 * Two loops of ours: the plain one (claim, then complete: two requests per task) and the
 * `claimNext` one (the completion asks for the next task).
 */
export async function benchDispatch(): Promise<void> {
  const plain = await agentMesh('plain');
  const peer = await graphilePeer(TASKS, AGENTS);
  const bare = await bareQueue();
  const chained = await agentMesh('claimNext').catch((error: Error) => error);

  const line = (name: string, f: Figures | PeerFigures) =>
    `  ${name}: ${f.done} in ${f.seconds.toFixed(2)} s = ${Math.round(f.done / f.seconds)} tasks/s; ` +
    `CPU per task: ${f.cpu}; round trips per task ${(f.queries / f.done).toFixed(2)}, ` +
    ('pipelined' in f
      ? `statements pipelined per task ${(f.pipelined / f.done).toFixed(2)}, `
      : '') +
    `transactions per task ${(f.transactions / f.done).toFixed(2)}, ` +
    `rows written per task ${(f.rows / f.done).toFixed(2)}` +
    ('errors' in f ? `; errors ${f.errors}` : '');
  console.log('');
  console.log(
    `dispatch, one task per claim (${AGENTS} agents over HTTP, ${TASKS} single-step runs queued, audited):`,
  );
  console.log(line('plain loop (claim max 1, complete)', plain));
  console.log(line(`graphile-worker 0.17.3 (${AGENTS} workers, no batching)`, peer));
  console.log(line('bare HTTP queue (fastify + pg, one statement a request, no auth/audit)', bare));
  const rate = (f: PeerFigures) => f.done / f.seconds;
  if (chained instanceof Error) console.log(`  claimNext loop: failed (${chained.message})`);
  else console.log(line('claimNext loop (complete answers the next task)', chained));
  console.log('  round trips per task of the plain loop, by statement:');
  for (const [name, perTask] of plain.statements) console.log(`    ${perTask.toFixed(2)}  ${name}`);
  console.log('  rows written per task of the plain loop, by table (inserted, updated, deleted):');
  for (const [table, perTask] of plain.rowsByTable) {
    if (perTask >= 0.01) console.log(`    ${perTask.toFixed(2)}  ${table}`);
  }
  console.log(
    `  ratio plain/graphile-worker = ${(rate(plain) / rate(peer)).toFixed(2)}x (goal >= 1.0x)` +
      (chained instanceof Error
        ? ''
        : `; claimNext/graphile-worker = ${(rate(chained) / rate(peer)).toFixed(2)}x`) +
      `; bare HTTP queue/graphile-worker = ${(rate(bare) / rate(peer)).toFixed(2)}x` +
      ` (HTTP and two statements a task, nothing else); plain/bare = ${(rate(plain) / rate(bare)).toFixed(2)}x`,
  );
}

async function agentMesh(loop: 'plain' | 'claimNext'): Promise<Figures> {
  const db = await freshDatabase();
  const countFile = join(tmpdir(), `agentmesh-bench-queries-${process.pid}.json`);
  let server: Server | undefined;
  const sql = new Client({ connectionString: db.url });
  const client = new Agent({ connections: AGENTS + 8 });
  try {
    server = await startService(db.url, {
      QUERY_COUNT_FILE: countFile,
      NODE_OPTIONS: `--require ${join(__dirname, 'query-counter.js')}`,
    });
    const service = server;
    await sql.connect();
    const api = benchApi(service.base, ADMIN_KEY, client);
    const { worker, agents } = await benchWorkers(api, 'dispatch-agent', AGENTS);
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < TASKS) {
          next += 1;
          await api('/workflows', { type: 'bench', steps: [{ key: 'a', skill: 'bench' }] });
        }
      }),
    );
    // Statistics, as a database in service has them: a fresh one has none until autovacuum's
    // first pass, a minute in, and a plan PostgreSQL caches without them is a poor one (until
    // that ANALYZE replaces it). The queueing's own events are dispatched before the clock starts.
    await sql.query('ANALYZE');
    await untilNone(sql, OUTBOX_COUNT, "the queueing's events dispatched");

    // The queueing's row counts published (its sessions stay open in the service's pool).
    await new Promise((resolve) => setTimeout(resolve, ROW_COUNTS_SETTLE_MS));
    const rowsBefore = await rowWrites(sql);

    const queriesBefore = await serviceCounts(service, countFile);
    const cpuBefore = {
      service: cpuSeconds(service.pid),
      database: await sessionCpu(sql),
      load: process.cpuUsage(),
    };
    const { done, errors, seconds } = await drive(api, agents, worker, loop);
    const loadCpu = process.cpuUsage(cpuBefore.load);
    let databaseCpu = 0;
    for (const [pid, cpu] of await sessionCpu(sql))
      databaseCpu += cpu - (cpuBefore.database.get(pid) ?? 0);
    const queriesAfter = await serviceCounts(service, countFile);
    const perTask = (cpu: number) => ((1000 * cpu) / Math.max(done, 1)).toFixed(2);
    const { rows } = await sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_entries WHERE action IN ('task.claim', 'task.succeed')`,
    );
    if (rows[0].n < 2 * done) throw new Error(`${loop}: ${rows[0].n} audit entries for ${done}`);
    const cpu = [
      `service ${perTask(cpuSeconds(service.pid) - cpuBefore.service)} ms`,
      `database sessions ${perTask(databaseCpu)} ms`,
      `load generator ${perTask((loadCpu.user + loadCpu.system) / 1e6)} ms`,
    ].join(', ');
    // The background work the tasks left (events to dispatch, entries to seal, receipts to
    // sign) counts too: done before the service stops. Its sessions end with it, publishing
    // their counts.
    await settled(sql);
    await service.stop();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const written = rowsWrittenSince(rowsBefore, await rowWrites(sql));
    return {
      done,
      errors,
      seconds,
      cpu,
      rows: written.total,
      rowsByTable: written.byTable.map(([table, n]): [string, number] => [table, n / done]),
      queries: queriesAfter.queries - queriesBefore.queries,
      pipelined: (queriesAfter.pipelined ?? 0) - (queriesBefore.pipelined ?? 0),
      transactions: queriesAfter.transactions - queriesBefore.transactions,
      statements: Object.entries(queriesAfter.byStatement ?? {})
        .map(([name, count]): [string, number] => [
          name,
          (count - (queriesBefore.byStatement?.[name] ?? 0)) / Math.max(done, 1),
        ])
        .filter(([, perTask]) => perTask >= 0.01)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 20),
    };
  } finally {
    await sql.end().catch(() => undefined);
    await client.close();
    await server?.stop();
    await db.dispose();
    rmSync(countFile, { force: true });
  }
}

type Task = { id: string; leaseToken: string };

/**
 * The agents' loop, the same against us and the bare queue: each agent claims `max: 1` and
 * completes what it got (`claimNext`: the completion asks for the next one) until TASKS are done.
 */
async function drive(
  api: BenchApi,
  agents: string[],
  key: string,
  loop: 'plain' | 'claimNext',
): Promise<{ done: number; errors: number; seconds: number; requests: number }> {
  type Claimed = { data: { tasks: Task[] } };
  type Completed = { data: { next?: { tasks: Task[] } } };
  let done = 0;
  let errors = 0;
  let finished = 0;
  let requests = 0;
  const started = performance.now();
  await Promise.all(
    agents.map(async (agent) => {
      let tasks: Task[] = [];
      while (done < TASKS) {
        requests += 1;
        if (tasks.length === 0) {
          tasks = (
            await api<Claimed>(`/agents/${agent}/tasks/claim`, { max: 1, waitSeconds: 1 }, key)
          ).data.tasks;
          continue;
        }
        const task = tasks.shift()!;
        const body = {
          leaseToken: task.leaseToken,
          output: { ok: true },
          ...(loop === 'claimNext' ? { claimNext: { max: 1, waitSeconds: 1 } } : {}),
        };
        try {
          const answer = await api<Completed>(`/tasks/${task.id}/complete`, body, key);
          done += 1;
          if (done === TASKS) finished = performance.now();
          tasks = answer.data.next?.tasks ?? [];
        } catch (error) {
          errors += 1;
          if (errors === 1) console.error(`  ${loop}: ${(error as Error).message}`);
          if (errors > 10) throw error;
        }
      }
    }),
  );
  return { done, errors, seconds: ((finished || performance.now()) - started) / 1000, requests };
}

/**
 * The floor of any HTTP queue here: bare Fastify and pg (bare-queue-server.ts) answering the
 * plain loop's two requests with one statement each, driven by the same agents' loop, on a fresh
 * database of the same server. No auth, audit, events or runs: what is left between it and
 * graphile-worker is HTTP's own cost, and between us and it, our stack's.
 */
async function bareQueue(): Promise<PeerFigures> {
  const db = await freshDatabase();
  const sql = new Client({ connectionString: db.url });
  const client = new Agent({ connections: AGENTS + 8 });
  let server: Server | undefined;
  try {
    // Queued by a session of its own that ends before the count: it publishes its rows then.
    const setup = new Client({ connectionString: db.url });
    await setup.connect();
    await setup.query(BARE_QUEUE_TABLE);
    await setup.query(
      `INSERT INTO bare_tasks (status) SELECT 'queued' FROM generate_series(1, $1)`,
      [TASKS],
    );
    await setup.query('ANALYZE');
    await setup.end();
    await sql.connect();
    server = await startServer(
      join(__dirname, 'bare-queue-server.js'),
      { DATABASE_URL: db.url },
      '/health/live',
    );
    const api = benchApi(server.base, ADMIN_KEY, client);
    const agents = Array.from({ length: AGENTS }, (_, i) => `bare-agent-${i}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const rowsBefore = await rowWrites(sql);
    const cpuBefore = {
      server: cpuSeconds(server.pid),
      database: await sessionCpu(sql),
      load: process.cpuUsage(),
    };
    const { done, errors, seconds, requests } = await drive(api, agents, ADMIN_KEY, 'plain');
    if (errors > 0) throw new Error(`bare queue: ${errors} errors`);
    const loadCpu = process.cpuUsage(cpuBefore.load);
    let databaseCpu = 0;
    for (const [pid, cpu] of await sessionCpu(sql))
      databaseCpu += cpu - (cpuBefore.database.get(pid) ?? 0);
    const serverCpu = cpuSeconds(server.pid) - cpuBefore.server;
    const perTask = (cpu: number) => ((1000 * cpu) / Math.max(done, 1)).toFixed(2);
    await server.stop();
    await new Promise((resolve) => setTimeout(resolve, 500));
    return {
      done,
      seconds,
      cpu: [
        `server ${perTask(serverCpu)} ms`,
        `database sessions ${perTask(databaseCpu)} ms`,
        `load generator ${perTask((loadCpu.user + loadCpu.system) / 1e6)} ms`,
      ].join(', '),
      // One statement per request (an empty claim's too), no transaction of its own.
      queries: requests,
      transactions: 0,
      rows: rowsWrittenSince(rowsBefore, await rowWrites(sql)).total,
    };
  } finally {
    await sql.end().catch(() => undefined);
    await client.close();
    await server?.stop();
    await db.dispose();
  }
}

/** Until every event is dispatched, every audit entry sealed and every receipt signed. */
function settled(sql: Client): Promise<void> {
  return untilNone(
    sql,
    `SELECT ((SELECT count(*) FROM event_outbox)
             + (SELECT count(*) FROM workflow_receipt_queue)
             + (SELECT count(*) FROM audit_entries e
                 WHERE NOT EXISTS (SELECT FROM audit_chain c WHERE c.entry_id = e.id)))::int AS n`,
    'background work of the tasks done',
    60_000,
  );
}

/** The service's counts so far (see query-counter.ts): SIGUSR2 makes it write them. */
async function serviceCounts(server: Server, file: string): Promise<QueryCounts> {
  rmSync(file, { force: true });
  process.kill(server.pid, 'SIGUSR2');
  for (let i = 0; i < 200; i += 1) {
    if (existsSync(file)) {
      try {
        return JSON.parse(readFileSync(file, 'utf8')) as QueryCounts;
      } catch {
        // Caught mid-write: read again.
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the service did not report its query counts');
}
