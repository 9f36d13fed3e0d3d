import { Client, Pool } from 'pg';
import { Logger, makeWorkerUtils, run, runMigrations } from 'graphile-worker';
import { freshDatabase, rowWrites, rowsWrittenSince, sessionCpu } from './harness';
import { queryCounts } from './query-counter';

export interface PeerFigures {
  done: number;
  seconds: number;
  cpu: string;
  queries: number;
  transactions: number;
  /** Rows inserted, updated and deleted in the database while the tasks ran. */
  rows: number;
}

/**
 * graphile-worker 0.17.3 as the in-run peer of the dispatch scenario: in this process, on a
 * fresh database of the same PostgreSQL server, `workers` concurrent jobs, no batching (its
 * defaults: no local queue, completions one by one), `tasks` no-op jobs queued beforehand.
 * Its CPU is this process's while it runs (there is no load generator: it is in process).
 */
export async function graphilePeer(tasks: number, workers: number): Promise<PeerFigures> {
  const db = await freshDatabase();
  const sql = new Client({ connectionString: db.url });
  try {
    await sql.connect();
    await runMigrations({ connectionString: db.url, logger: quiet });
    const utils = await makeWorkerUtils({ connectionString: db.url, logger: quiet });
    try {
      const specs = Array.from({ length: tasks }, (_, i) => ({
        identifier: 'bench',
        payload: { i },
      }));
      for (let i = 0; i < specs.length; i += 500) await utils.addJobs(specs.slice(i, i + 500));
    } finally {
      await utils.release();
    }
    await sql.query('ANALYZE');
    // The queueing's sessions have ended (they published their counts as they did).
    await new Promise((resolve) => setTimeout(resolve, 500));
    const rowsBefore = await rowWrites(sql);
    let done = 0;
    let finish: () => void = () => undefined;
    const allDone = new Promise<void>((resolve) => (finish = resolve));
    const before = { ...queryCounts };
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    // A pool of the bench's own, ended before the database is dropped: the runner's own pool
    // kept an idle client that the drop's termination made emit 'error' with no listener, which
    // ended the whole bench now and then.
    const pool = new Pool({ connectionString: db.url, max: workers + 2 });
    pool.on('error', () => undefined);
    const runner = await run({
      pgPool: pool,
      concurrency: workers,
      noHandleSignals: true,
      pollInterval: 1000,
      logger: quiet,
      taskList: {
        bench: async () => {
          done += 1;
          if (done === tasks) finish();
        },
      },
    });
    await allDone;
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const after = { ...queryCounts };
    // Read before the runner stops: its sessions end with it. They all began within the run.
    let databaseCpu = 0;
    for (const [, seconds] of await sessionCpu(sql)) databaseCpu += seconds;
    await runner.stop();
    await pool.end();
    // Its sessions have ended: their counts are published.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const rows = rowsWrittenSince(rowsBefore, await rowWrites(sql)).total;
    const perTask = (cpuSeconds: number) => ((1000 * cpuSeconds) / done).toFixed(2);
    return {
      done,
      seconds,
      cpu: [
        `worker (in process) ${perTask((cpu.user + cpu.system) / 1e6)} ms`,
        `database sessions ${perTask(databaseCpu)} ms`,
      ].join(', '),
      queries: after.queries - before.queries,
      transactions: after.transactions - before.transactions,
      rows,
    };
  } finally {
    await sql.end().catch(() => undefined);
    await db.dispose();
  }
}

const quiet = new Logger(() => () => undefined);
