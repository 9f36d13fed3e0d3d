import { Client } from 'pg';
import { Agent } from 'undici';
import { ADMIN_KEY, benchApi, benchWorkers, freshDatabase, startService } from './harness';
import { wakeUp } from './tasks';

/** Seconds of quiet before each round: past the pool's 30 s idle timeout. */
const QUIET_SECONDS = Number(process.env.BENCH_QUIET_SECONDS ?? 35);
const ROUNDS = Number(process.env.BENCH_QUIET_ROUNDS ?? 4);
const WARM_SAMPLES = 50;

interface Replica {
  name: string;
  wake(sample: number): Promise<number>;
  warm: number[];
  first: number[];
  next: number[];
}

/**
 * `BENCH_ONLY=quiet npm run bench` (only when named: it sits idle ROUNDS × QUIET_SECONDS): a
 * waiting agent's wake-up after a quiet spell, on an API replica (`WORKERS=off`: no background
 * work keeps its connections busy), with the default `DB_POOL_MIN` beside `DB_POOL_MIN=0` (every
 * idle connection closed after 30 s), each on a database of its own, their rounds interleaved.
 * Per round, the first wake-up after the spell and the one after it; and warm wake-ups before.
 */
export async function benchQuiet(): Promise<string[]> {
  const client = new Agent({ connections: 8 });
  const stops: Array<() => Promise<void>> = [];
  const start = async (name: string, env: Record<string, string>): Promise<Replica> => {
    const db = await freshDatabase();
    stops.push(() => db.dispose());
    const server = await startService(db.url, { WORKERS: 'off', ...env });
    stops.push(() => server.stop());
    const sql = new Client({ connectionString: db.url });
    await sql.connect();
    stops.push(() => sql.end());
    const api = benchApi(server.base, ADMIN_KEY, client);
    const { worker, agents } = await benchWorkers(api, 'quiet-agent', 1);
    const wake = (sample: number) => wakeUp(api, worker, sql, agents[0], sample);
    return { name, wake, warm: [], first: [], next: [] };
  };
  const replicas: Replica[] = [];
  try {
    replicas.push(await start('DB_POOL_MIN=0 (idle connections all closed)', { DB_POOL_MIN: '0' }));
    replicas.push(await start('DB_POOL_MIN default (4 kept)', {}));
    for (const replica of replicas) {
      for (let i = 0; i < WARM_SAMPLES; i += 1) replica.warm.push(await replica.wake(i + 1));
    }
    for (let round = 0; round < ROUNDS; round += 1) {
      await new Promise((resolve) => setTimeout(resolve, QUIET_SECONDS * 1000));
      for (const replica of replicas) {
        replica.first.push(await replica.wake(round + 1));
        replica.next.push(await replica.wake(round + 1));
      }
    }
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await client.close();
  }
  const spread = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const ms = (value: number) => value.toFixed(1);
    return `p50 ${ms(sorted[Math.floor(sorted.length / 2)])}, max ${ms(sorted[sorted.length - 1])} ms`;
  };
  return [
    `wake-up after ${QUIET_SECONDS} s of quiet, API replica (WORKERS=off), ${ROUNDS} rounds:`,
    ...replicas.map(
      (replica) =>
        `  ${replica.name}: first after the quiet ${spread(replica.first)}; ` +
        `the next ${spread(replica.next)}; warm ${spread(replica.warm)}`,
    ),
  ];
}
