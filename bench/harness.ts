import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { Agent, request } from 'undici';
import { freePort } from '../src/common/net/free-port';
import { EmbeddedDatabase } from '../src/database/embedded-postgres';

// autocannon ships no types; this is the part of its result we read.
export interface CannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Cannon = (options: Record<string, unknown>) => Promise<CannonResult>;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as Cannon;

export interface Row {
  scenario: string;
  reqPerSec: number;
  p50: number;
  p99: number;
  non2xx: number;
  /** CPU milliseconds the service (`pid` of `load`'s options) spent per answered request. */
  cpuMsPerRequest?: number;
}

export async function load(
  scenario: string,
  url: string,
  headers: Record<string, string>,
  options: {
    connections?: number;
    duration?: number;
    method?: string;
    body?: string;
    /** Per connection: its own request (e.g. each agent beating with its own key). */
    perConnection?: (index: number) => { path: string; headers: Record<string, string> };
    /** Seconds of warm-up before the measured run (default 2). */
    warmup?: number;
    /** The service's process: its CPU time over the measured run is divided by the requests. */
    pid?: number;
  } = {},
): Promise<Row> {
  const duration = options.duration ?? Number(process.env.BENCH_DURATION ?? 10);
  const connections = options.connections ?? 50;
  const request = {
    url,
    headers,
    connections,
    method: options.method ?? 'GET',
    ...(options.body !== undefined ? { body: options.body } : {}),
    ...(options.perConnection ? { requests: [requestPicker(options.perConnection, options)] } : {}),
  };
  // A short warm-up so JIT and pools are hot before the measured run.
  const warmup = options.warmup ?? 2;
  if (warmup > 0) await autocannon({ ...request, duration: warmup });
  const cpuBefore = options.pid === undefined ? 0 : cpuSeconds(options.pid);
  const result = await autocannon({ ...request, duration });
  const cpu = options.pid === undefined ? 0 : cpuSeconds(options.pid) - cpuBefore;
  return {
    scenario,
    reqPerSec: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx + result.errors + result.timeouts,
    ...(options.pid !== undefined && result.requests.total > 0
      ? { cpuMsPerRequest: (cpu * 1000) / result.requests.total }
      : {}),
  };
}

/** Each request as one of `count` clients (e.g. agents beating with their own keys). */
function requestPicker(
  perConnection: (index: number) => { path: string; headers: Record<string, string> },
  options: { method?: string; body?: string; connections?: number },
): Record<string, unknown> {
  const count = options.connections ?? 50;
  let next = 0;
  return {
    method: options.method ?? 'GET',
    setupRequest: (request: Record<string, unknown>) => {
      const { path, headers } = perConnection(next++ % count);
      return { ...request, method: options.method ?? 'GET', path, headers, body: options.body };
    },
  };
}

export function printTable(rows: Row[]): void {
  const header = ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx'];
  const lines = rows.map((row) => [
    row.scenario,
    String(row.reqPerSec),
    String(row.p50),
    String(row.p99),
    String(row.non2xx),
  ]);
  const widths = header.map((title, i) =>
    Math.max(title.length, ...lines.map((line) => line[i].length)),
  );
  const format = (cells: string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join('  ');
  console.log(format(header));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const line of lines) console.log(format(line));
}

/** A fresh database: on DATABASE_URL's server when set, else on an embedded PostgreSQL. */
export async function freshDatabase(): Promise<{ url: string; dispose(): Promise<void> }> {
  // BENCH_DATABASE_PREFIX: on a shared server, a name of one's own.
  const name = `${process.env.BENCH_DATABASE_PREFIX ?? 'agentmesh_bench'}_${Date.now()}`;
  let embedded: EmbeddedDatabase | undefined;
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const dir = await mkdtemp(join(tmpdir(), 'agentmesh-bench-'));
    await chmod(dir, 0o755);
    embedded = await EmbeddedDatabase.start({ dataDir: dir, database: 'postgres' });
    serverUrl = embedded.url;
  }
  const admin = new URL(serverUrl);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    dispose: async () => {
      const drop = new Client({ connectionString: admin.toString() });
      await drop.connect();
      await drop.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await drop.end();
      await embedded?.stop();
    },
  };
}

export interface Server {
  base: string;
  pid: number;
  stop(): Promise<void>;
}

/** CPU seconds (user + system) a process has used, from /proc (Linux). */
export function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime are fields 14 and 15 of stat; [0] here is field 3 (state).
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}
const CLOCK_TICKS = 100;

/** CPU seconds of each session of `pg`'s database (but `pg`'s own), by backend pid. */
export async function sessionCpu(pg: Client): Promise<Map<number, number>> {
  const { rows } = await pg.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
  );
  return new Map(rows.map((row) => [row.pid, cpuSeconds(row.pid)]));
}

/**
 * Rows inserted, updated and deleted so far in `pg`'s database, by every session: what a
 * scenario costs the database whatever its statements look like. PostgreSQL 15 publishes a
 * session's counts at the end of a transaction at most once a second, an idle session's after
 * 10 seconds, and a session's last ones when it ends: read after the sessions that did the work
 * have ended, or after `ROW_COUNTS_SETTLE_MS` of quiet.
 */
export async function rowWrites(pg: Client): Promise<Map<string, number>> {
  const { rows } = await pg.query<{ table: string; n: string }>(
    `SELECT relname AS table, (n_tup_ins + n_tup_upd + n_tup_del)::text AS n
       FROM pg_stat_user_tables`,
  );
  return new Map(rows.map((row) => [row.table, Number(row.n)]));
}

/** What `rowWrites` counted from `before` to `after`, by table, and in all. */
export function rowsWrittenSince(
  before: Map<string, number>,
  after: Map<string, number>,
): { total: number; byTable: Array<[string, number]> } {
  const byTable = [...after]
    .map(([table, n]): [string, number] => [table, n - (before.get(table) ?? 0)])
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
  return { total: byTable.reduce((sum, [, n]) => sum + n, 0), byTable };
}

/** Quiet long enough for PostgreSQL to publish an idle session's counts (after 10 s). */
export const ROW_COUNTS_SETTLE_MS = 11_000;

/** The events not dispatched yet, for `untilNone`. */
export const OUTBOX_COUNT = 'SELECT count(*)::int AS n FROM event_outbox';

/**
 * Until `count` (a statement answering one row, `n`) counts nothing, looking every 100 ms;
 * after `timeoutMs` it throws, naming `what` and what was left.
 */
export async function untilNone(
  pg: Client,
  count: string,
  what: string,
  timeoutMs = Infinity,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await pg.query<{ n: number }>(count);
    if (rows[0].n === 0) return;
    if (Date.now() > deadline) throw new Error(`bench: ${what}: ${rows[0].n} left`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The platform admin key every bench service is started with. */
export const ADMIN_KEY = 'amk_bench-admin-key-0123456789abcdef';
/** The built service. */
export const SERVICE_MAIN = join(__dirname, '..', 'src', 'main.js');

/**
 * The built service on `databaseUrl`, as every scenario runs it: the bench's admin key, no
 * request rate limit, warnings only in its log; `env` adds or overrides; `main` another build's
 * (BENCH_BEFORE). Resolves once ready.
 */
export function startService(
  databaseUrl: string,
  env: Record<string, string> = {},
  main = SERVICE_MAIN,
): Promise<Server> {
  return startServer(
    main,
    {
      DATABASE_URL: databaseUrl,
      ADMIN_API_KEY: ADMIN_KEY,
      RATE_LIMIT_PER_MINUTE: '10000000',
      LOG_LEVEL: 'warn',
      ...env,
    },
    '/health/ready',
  );
}

/**
 * Starts a node script as its own process and waits until `readyPath` answers 200. With
 * BENCH_PROFILE=<folder>, each such process writes a V8 CPU profile there when it exits
 * (`--cpu-prof`, which NODE_OPTIONS does not take); open it in Chrome's DevTools. Its samples
 * are wall-clock: time descheduled inside a call (a `writev` that woke PostgreSQL on the
 * other core) counts as that call's.
 */
export async function startServer(
  script: string,
  env: Record<string, string>,
  readyPath: string,
): Promise<Server> {
  const port = await freePort();
  const profile = process.env.BENCH_PROFILE;
  const flags = profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [];
  const child: ChildProcess = spawn(process.execPath, [...flags, script], {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(`${base}${readyPath}`)
      .then((response) => response.status === 200)
      .catch(() => false);
    if (ok) break;
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error(`${script} did not start`);
    await new Promise((done) => setTimeout(done, 200));
  }
  return {
    base,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

export type BenchApi = <T = unknown>(path: string, body: unknown, key?: string) => Promise<T>;

/** POSTs JSON to the service's API with `adminKey` unless told otherwise; throws on a non-2xx. */
export function benchApi(base: string, adminKey: string, dispatcher: Agent): BenchApi {
  return async <T = unknown>(path: string, body: unknown, key = adminKey): Promise<T> => {
    const response = await request(`${base}/api/v1${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      dispatcher,
    });
    const json = (await response.body.json()) as T;
    if (response.statusCode >= 300) {
      throw new Error(`POST ${path}: ${response.statusCode} ${JSON.stringify(json)}`);
    }
    return json;
  };
}

/** `count` agents named `<prefix>-<i>` with the one skill `bench`, registered through `api`. */
export async function benchAgents(api: BenchApi, prefix: string, count: number): Promise<string[]> {
  const agents = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  for (const id of agents) {
    await api('/agents', {
      id,
      name: id,
      heartbeatIntervalSeconds: 3600,
      skills: [{ id: 'bench', name: 'bench' }],
    });
  }
  return agents;
}

/** A `tasks:work` key and `count` agents named `<prefix>-<i>` with the one skill `bench`. */
export async function benchWorkers(
  api: BenchApi,
  prefix: string,
  count: number,
): Promise<{ worker: string; agents: string[] }> {
  const worker = (
    await api<{ data: { key: string } }>('/api-keys', {
      name: 'bench-worker',
      scopes: ['tasks:work'],
    })
  ).data.key;
  return { worker, agents: await benchAgents(api, prefix, count) };
}
