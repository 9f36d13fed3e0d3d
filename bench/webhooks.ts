import { spawn } from 'node:child_process';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { uuidv7 } from '../src/common/ids';
import { freePort } from '../src/common/net/free-port';
import { EVENTS_CHANNEL } from '../src/events/events.service';
import {
  ADMIN_KEY,
  cpuSeconds,
  freshDatabase,
  load,
  printTable,
  Row,
  Server as Service,
  sessionCpu,
  startService,
} from './harness';

/** A failed delivery is retried every second (20 attempts): the bench measures sending, not waiting. */
const RETRY_EVERY_SECOND = `0${',1s'.repeat(19)}`;
const THROUGHPUT_EVENTS = Number(process.env.BENCH_WEBHOOK_EVENTS ?? 20_000);
const LATENCY_RATE = 500;
const LATENCY_SECONDS = 10;

/** A receiver answering 200 at once, noting commit → arrival per event. */
class Sink {
  readonly latencies: number[] = [];
  received = 0;
  lastAt = 0;
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const now = Date.now();
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { timestamp: string };
        this.latencies.push(now - Date.parse(body.timestamp));
        this.received += 1;
        this.lastAt = now;
        response.writeHead(200).end('ok');
      });
    });
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((done) => this.server.listen(0, '127.0.0.1', done));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  reset(): void {
    this.latencies.length = 0;
    this.received = 0;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((done) => this.server.close(() => done()));
  }
}

/** Commits `count` events of the default tenant in one transaction, as EventsService does. */
async function commitEvents(pg: Client, type: string, count: number): Promise<void> {
  const ids = Array.from({ length: count }, () => uuidv7());
  await pg.query('BEGIN');
  await pg.query(
    `INSERT INTO events (id, tenant_id, type, subject_type, subject_id, data, correlation_id)
     SELECT id, 'default', $2, 'bench', id::text, '{"bench": true}'::jsonb, 'bench-' || id
       FROM unnest($1::uuid[]) AS id`,
    [ids, type],
  );
  await pg.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, '']);
  await pg.query('COMMIT');
}

/**
 * A dead receiver answering 500 at once, in a process of its own: a remote endpoint's work is
 * not done by the load generator's event loop.
 */
async function startDeadReceiver(): Promise<{ url: string; stop(): void }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      '-e',
      `require('node:http').createServer((q, s) => { q.resume(); q.on('end', () => s.writeHead(500).end('down')); })
         .listen(${port}, '127.0.0.1', () => process.stdout.write('ready'))`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((done, fail) => {
    child.stdout.once('data', () => done());
    child.once('exit', (code) => fail(new Error(`dead receiver exited (${code})`)));
  });
  return { url: `http://127.0.0.1:${port}/dead`, stop: () => child.kill() };
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 20));
  }
}

async function failedAttempts(pg: Client): Promise<number> {
  const { rows } = await pg.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM webhook_attempts WHERE status_code = 500`,
  );
  return rows[0].n;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Quiet (Q) and dead-endpoint (D) runs in an ABBA order, so a drift of the machine cancels out. */
const ORDER = ['Q', 'D', 'D', 'Q', 'Q', 'D', 'D', 'Q', 'Q', 'D', 'D', 'Q'] as const;
const RUN_SECONDS = 4;

/**
 * Runs of the API route with the dead endpoint disabled (quiet) and enabled again (its
 * deliveries are due: retried hot), after a warm-up. Besides the throughput, each run notes
 * the CPU the service and its database sessions used per API request: the host's speed swings
 * from one second to the next, and that share is what the retries take from the API on a
 * CPU-bound machine. Returns the rows (the mean of each kind) and the ratio line.
 */
async function interleaved(
  server: Service,
  api: string,
  admin: Record<string, string>,
  deadId: string,
  pg: Client,
  label: string,
): Promise<{ rows: Row[]; line: string }> {
  const setEnabled = async (enabled: boolean) => {
    const response = await fetch(`${server.base}/api/v1/webhooks/endpoints/${deadId}`, {
      method: 'PATCH',
      headers: admin,
      body: JSON.stringify({ enabled }),
    });
    if (response.status !== 200) throw new Error(`PATCH endpoint: ${response.status}`);
  };
  const cpu = async (): Promise<number> => {
    let total = cpuSeconds(server.pid);
    for (const seconds of (await sessionCpu(pg)).values()) total += seconds;
    return total;
  };
  await setEnabled(false);
  await load('warm-up', api, admin, { duration: RUN_SECONDS });
  const runs = { Q: [] as Row[], D: [] as Row[] };
  const cpuPerRequest = { Q: [] as number[], D: [] as number[] };
  let attempts = 0;
  for (const kind of ORDER) {
    await setEnabled(kind === 'D');
    await new Promise((done) => setTimeout(done, 1_000));
    const before = await failedAttempts(pg);
    const cpuBefore = await cpu();
    const row = await load(kind, api, admin, { duration: RUN_SECONDS, warmup: 0 });
    const used = (await cpu()) - cpuBefore;
    cpuPerRequest[kind].push(used / (row.reqPerSec * RUN_SECONDS));
    runs[kind].push(row);
    if (kind === 'D') attempts += (await failedAttempts(pg)) - before;
  }
  await setEnabled(false);
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const summary = (kind: 'Q' | 'D', scenario: string): Row => ({
    scenario: `GET /webhooks/endpoints, ${scenario}, mean of ${runs[kind].length}`,
    reqPerSec: Math.round(mean(runs[kind].map((row) => row.reqPerSec))),
    p50: Math.max(...runs[kind].map((row) => row.p50)),
    p99: Math.max(...runs[kind].map((row) => row.p99)),
    non2xx: runs[kind].reduce((sum, row) => sum + row.non2xx, 0),
  });
  const quietRow = summary('Q', `quiet (${label})`);
  const deadRow = summary('D', `dead endpoint retrying (${label})`);
  const drop = 1 - deadRow.reqPerSec / quietRow.reqPerSec;
  const cpuDrop = 1 - mean(cpuPerRequest.Q) / mean(cpuPerRequest.D);
  const ms = (kind: 'Q' | 'D') => (mean(cpuPerRequest[kind]) * 1000).toFixed(3);
  const line =
    `API throughput with a dead endpoint retrying, ${label} (${attempts} failed attempts, ` +
    `${Math.round(attempts / (runs.D.length * RUN_SECONDS))}/s): ${deadRow.reqPerSec} vs ` +
    `${quietRow.reqPerSec} req/s quiet, drop ${(drop * 100).toFixed(1)}% (goal < 20%); ` +
    `CPU per API request (service + database) ${ms('D')} vs ${ms('Q')} ms quiet: the retries ` +
    `take ${(cpuDrop * 100).toFixed(1)}% of it; runs ${ORDER.join('')}: quiet ` +
    `${runs.Q.map((row) => row.reqPerSec).join('/')}, dead ${runs.D.map((row) => row.reqPerSec).join('/')}`;
  return { rows: [quietRow, deadRow], line };
}

/**
 * Outbound webhooks: sustained deliveries per second to a local receiver, commit → receiver
 * latency at a steady rate, and API throughput with and without a dead endpoint being retried
 * hot in the background (breaker off, 1 s retries, thousands of deliveries due).
 */
export async function benchWebhooks(): Promise<void> {
  const db = await freshDatabase();
  const sink = new Sink();
  await sink.start();
  const server = await startService(db.url, {
    WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8',
    WEBHOOK_RETRY_SCHEDULE: RETRY_EVERY_SECOND,
    WEBHOOK_BREAKER_THRESHOLD: '1000000',
  }).catch(async (error: unknown) => {
    await sink.stop();
    await db.dispose();
    throw error;
  });
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  const admin = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
  const dead = await startDeadReceiver();
  const createEndpoint = async (url: string, eventTypes: string[], base = server.base) => {
    const response = await fetch(`${base}/api/v1/webhooks/endpoints`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ url, eventTypes }),
    });
    if (response.status !== 201) throw new Error(`endpoint: ${response.status}`);
    return ((await response.json()) as { data: { id: string } }).data.id;
  };
  const rows: Row[] = [];
  const lines: string[] = [];
  try {
    await createEndpoint(`${sink.url}/sink`, ['bench.*']);

    // 1. Sustained: a backlog committed in batches of 1,000, drained to the receiver.
    const started = Date.now();
    for (let sent = 0; sent < THROUGHPUT_EVENTS; sent += 1_000) {
      await commitEvents(pg, 'bench.throughput', Math.min(1_000, THROUGHPUT_EVENTS - sent));
    }
    await until(() => sink.received >= THROUGHPUT_EVENTS, 300_000, 'the throughput run');
    const perSecond = Math.round(THROUGHPUT_EVENTS / ((sink.lastAt - started) / 1000));
    lines.push(
      `webhook deliveries: ${THROUGHPUT_EVENTS} in ${sink.lastAt - started} ms = ${perSecond}/s (goal >= 1000/s)`,
    );

    // 2. Latency at a steady rate: 10 events every 20 ms.
    sink.reset();
    const total = LATENCY_RATE * LATENCY_SECONDS;
    const tick = 20;
    const perTick = (LATENCY_RATE * tick) / 1000;
    const begin = Date.now();
    for (let sent = 0; sent < total; sent += perTick) {
      await commitEvents(pg, 'bench.latency', perTick);
      const wait = begin + ((sent + perTick) / perTick) * tick - Date.now();
      if (wait > 0) await new Promise((done) => setTimeout(done, wait));
    }
    await until(() => sink.received >= total, 60_000, 'the latency run');
    const [split] = (
      await pg.query<{ fanout: number; claim: number }>(
        `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM d.created_at - m.occurred_at)) * 1000 AS fanout,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM a.attempted_at - d.created_at)) * 1000 AS claim
           FROM webhook_deliveries d JOIN webhook_messages m ON m.id = d.message_id
           JOIN webhook_attempts a ON a.delivery_id = d.id
          WHERE d.event_type = 'bench.latency'`,
      )
    ).rows;
    lines.push(
      `commit → receiver at ${LATENCY_RATE} events/s: p50 ${percentile(sink.latencies, 50)} ms, ` +
        `p99 ${percentile(sink.latencies, 99)} ms (goal p99 < 250 ms); medians: event → delivery row ` +
        `${Math.round(split.fanout)} ms, delivery row → attempt ${Math.round(split.claim)} ms`,
    );

    // 3. API throughput with a dead endpoint retried hot in the background (breaker off, 1 s
    // retries, 5,000 deliveries due) against the same with it disabled, interleaved: this
    // machine is shared, and alternating short runs keeps its drift out of the ratio.
    const api = `${server.base}/api/v1/webhooks/endpoints?limit=10`;
    const deadId = await createEndpoint(dead.url, ['dead.*']);
    for (let i = 0; i < 5; i += 1) await commitEvents(pg, 'dead.tick', 1_000);
    await new Promise((done) => setTimeout(done, 2_000));
    const worst = await interleaved(server, api, admin, deadId, pg, 'breaker off');
    rows.push(...worst.rows);
    lines.push(worst.line);
  } finally {
    await server.stop();
  }
  try {
    // 4. The same with the product's defaults: the breaker (5 failures, 60 s cool-down) stops
    // hammering the dead endpoint and defers its deliveries without spending their attempts.
    const guarded = await startService(db.url, {
      WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8',
      WEBHOOK_RETRY_SCHEDULE: RETRY_EVERY_SECOND,
    });
    try {
      const api = `${guarded.base}/api/v1/webhooks/endpoints?limit=10`;
      const deadId = await createEndpoint(dead.url, ['dead.*'], guarded.base);
      for (let i = 0; i < 5; i += 1) await commitEvents(pg, 'dead.tick', 1_000);
      await new Promise((done) => setTimeout(done, 2_000));
      const guardedRun = await interleaved(guarded, api, admin, deadId, pg, 'default breaker');
      rows.push(...guardedRun.rows);
      lines.push(guardedRun.line);
    } finally {
      await guarded.stop();
    }
  } finally {
    await pg.end();
    await sink.stop();
    dead.stop();
    await db.dispose();
  }
  printTable(rows);
  console.log('');
  for (const line of lines) console.log(line);
}
