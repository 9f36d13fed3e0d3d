import { join } from 'node:path';
import { Client } from 'pg';
import { displayPrefix, generateApiKey, hashApiKey } from '../src/auth/api-key.codec';
import { uuidv7 } from '../src/common/ids';
import {
  ADMIN_KEY,
  CannonResult,
  cpuSeconds,
  freshDatabase,
  printTable,
  Row,
  Server,
  sessionCpu,
  startServer,
} from './harness';

// autocannon ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (
  options: Record<string, unknown>,
) => Promise<CannonResult & { requests: { average: number; total: number } }>;

const DIST = join(__dirname, '..');
const CONNECTIONS = 50;
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
/** Agents beating at random (each with its own key), as the issue measured it. */
const BEATING = Number(process.env.BENCH_BEAT_AGENTS ?? 1_000);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
/** The fleet of the at-interval line, and how often each of its agents beats. */
const FLEET = Number(process.env.BENCH_FLEET ?? 100_000);
const FLEET_INTERVAL_SECONDS = 10;

interface Loaded extends Row {
  /** Requests answered in the measured run. */
  requests: number;
}

interface Measured extends Loaded {
  /** CPU per request, ms: the server process, and PostgreSQL's sessions of the database. */
  serverMs: number;
  databaseMs: number;
}

/**
 * Heartbeats and the liveness probe, the service against servers with none of its stack, run
 * alternately REPEATS times (the machine is shared: a ratio within one round, and the median
 * over rounds, mean more than any absolute figure). Then FLEET agents beating at their
 * interval: the rate offered, what is sustained, and the latency.
 */
export async function benchBeats(): Promise<void> {
  const db = await freshDatabase();
  const servers: Server[] = [];
  const start = async (script: string, env: Record<string, string>, ready: string) => {
    const server = await startServer(script, { DATABASE_URL: db.url, ...env }, ready);
    servers.push(server);
    return server;
  };
  const pg = new Client({ connectionString: db.url });
  try {
    const service = (dist = DIST) =>
      start(
        join(dist, 'src', 'main.js'),
        {
          ADMIN_API_KEY: ADMIN_KEY,
          RATE_LIMIT_PER_MINUTE: '10000000',
          LOG_LEVEL: 'info',
        },
        '/health/ready',
      );
    const full = await service();
    await pg.connect();
    const fleet = Math.max(FLEET, BEATING);
    // A long interval while the rounds run: no agent goes offline (and is swept) meanwhile.
    await seedFleet(pg, fleet, 3600);
    const keys = await seedAgentKeys(pg, fleet);
    const off = await start(join(DIST, 'bench', 'bare-server.js'), {}, '/health/live');
    const bare = await start(join(DIST, 'bench', 'bare-heartbeat-server.js'), {}, '/health/live');

    const beat = JSON.stringify({ status: 'healthy' });
    const randomAgent = (withKey: boolean) => () => {
      const n = 1 + Math.floor(Math.random() * BEATING);
      return {
        path: `/api/v1/agents/agent-${n}/heartbeat`,
        headers: {
          'content-type': 'application/json',
          ...(withKey ? { authorization: `Bearer ${keys[n - 1]}` } : {}),
        },
      };
    };
    const scenarios: Array<[string, () => Promise<Measured>]> = [
      [
        'GET /health/live (full stack)',
        () => measured(pg, full, () => load(`${full.base}/health/live`)),
      ],
      [
        'GET /health/live (stack off)',
        () => measured(pg, off, () => load(`${off.base}/health/live`)),
      ],
      [
        `POST heartbeat (full stack, agent keys, ${BEATING} agents)`,
        () =>
          measured(pg, full, () =>
            load(`${full.base}/`, { method: 'POST', body: beat, pick: randomAgent(true) }),
          ),
      ],
      [
        `POST heartbeat (bare fastify + pg, ${BEATING} agents)`,
        () =>
          measured(pg, bare, () =>
            load(`${bare.base}/`, { method: 'POST', body: beat, pick: randomAgent(false) }),
          ),
      ],
    ];
    // BENCH_BEFORE=<another build's dist>: that build too, in the same rounds, for a before/after.
    if (process.env.BENCH_BEFORE) {
      const before = await service(process.env.BENCH_BEFORE);
      scenarios.push(
        [
          'GET /health/live (BENCH_BEFORE)',
          () => measured(pg, before, () => load(`${before.base}/health/live`)),
        ],
        [
          'POST heartbeat (BENCH_BEFORE)',
          () =>
            measured(pg, before, () =>
              load(`${before.base}/`, { method: 'POST', body: beat, pick: randomAgent(true) }),
            ),
        ],
      );
    }
    const rounds: Measured[][] = [];
    const flushed0 = await flushes(full);
    for (let round = 0; round < REPEATS; round += 1) {
      const rows: Measured[] = [];
      for (const [scenario, run] of scenarios) rows.push({ ...(await run()), scenario });
      rounds.push(rows);
    }
    const flushed = meanFlush(flushed0, await flushes(full));

    console.log('');
    console.log(`heartbeats and /health/live, ${REPEATS} alternated rounds (medians):`);
    printTable(
      scenarios.map(([scenario], i) =>
        medianRow(
          scenario,
          rounds.map((r) => r[i]),
        ),
      ),
    );
    for (const [i, row] of rounds.entries()) {
      const before =
        row.length > 4
          ? `; before: live ${ratio(row[4], row[1])}x, heartbeat ${ratio(row[5], row[3])}x, CPU ms/beat service ${row[5].serverMs} db ${row[5].databaseMs}`
          : '';
      console.log(
        `  round ${i + 1}: live ${ratio(row[0], row[1])}x, heartbeat ${ratio(row[2], row[3])}x; ` +
          `CPU ms/beat service ${row[2].serverMs} db ${row[2].databaseMs}, ` +
          `bare ${row[3].serverMs} db ${row[3].databaseMs}${before}`,
      );
    }
    const ratios = (a: number, b: number) =>
      median(rounds.map((row) => row[a].reqPerSec / row[b].reqPerSec)).toFixed(2);
    console.log(`overhead ratio, GET /health/live: full/off = ${ratios(0, 1)}x (goal >= 0.6x)`);
    console.log(
      `heartbeat ratio: full/bare = ${ratios(2, 3)}x (goal >= 1.0x); ${flushed} beats per flush`,
    );
    if (FLEET > 0) await atTheirInterval(pg, full, fleet, keys, beat);
  } finally {
    await pg.end().catch(() => undefined);
    await Promise.all(servers.map((server) => server.stop()));
    await db.dispose();
  }
}

/**
 * autocannon for DURATION seconds after a 2 s warm-up, 50 connections unless told; `pick`
 * chooses each request's path and headers; `overallRate` caps the rate offered in total.
 */
async function load(
  url: string,
  options: {
    method?: string;
    body?: string;
    connections?: number;
    overallRate?: number;
    pick?: () => { path: string; headers: Record<string, string> };
  } = {},
): Promise<Loaded> {
  const { pick, method = 'GET', body } = options;
  const request: Record<string, unknown> = {
    url,
    method,
    connections: options.connections ?? CONNECTIONS,
    ...(body !== undefined ? { body } : {}),
    ...(options.overallRate ? { overallRate: options.overallRate } : {}),
    ...(pick
      ? {
          requests: [
            {
              method,
              setupRequest: (base: Record<string, unknown>) => ({
                ...base,
                method,
                body,
                ...pick(),
              }),
            },
          ],
        }
      : {}),
  };
  await autocannon({ ...request, duration: 2 });
  const result = await autocannon({ ...request, duration: DURATION });
  return {
    scenario: '',
    reqPerSec: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx + result.errors + result.timeouts,
    requests: result.requests.total,
  };
}

/**
 * The whole fleet, each agent beating once per interval, in turn: with its own key (as agents
 * do), then all with one fleet key (what the heartbeat path sustains when every key is known).
 */
async function atTheirInterval(
  pg: Client,
  full: Server,
  fleet: number,
  keys: string[],
  beat: string,
): Promise<void> {
  const offered = Math.round(fleet / FLEET_INTERVAL_SECONDS);
  const fleetKey = (await seedKeys(pg, [null]))[0];
  for (const [label, keyOf] of [
    ['own keys', (n: number) => keys[n - 1]],
    ['one fleet key', () => fleetKey],
  ] as const) {
    // Every agent has just beaten: none is three intervals silent before its turn comes.
    await pg.query(`UPDATE agents SET heartbeat_interval_seconds = $1, last_heartbeat_at = now()`, [
      FLEET_INTERVAL_SECONDS,
    ]);
    const flushes0 = await flushes(full);
    const row = await measured(pg, full, () =>
      load(`${full.base}/`, {
        method: 'POST',
        body: beat,
        connections: 200,
        overallRate: offered,
        pick: inTurn(fleet, keyOf),
      }),
    );
    console.log(
      `${fleet} agents beating every ${FLEET_INTERVAL_SECONDS} s (${label}, in turn): ` +
        `${offered} beats/s offered, ${row.reqPerSec} sustained, ` +
        `p50 ${row.p50} ms, p99 ${row.p99} ms, ${row.non2xx} non-2xx; ` +
        `CPU ms/beat service ${row.serverMs} db ${row.databaseMs}; ` +
        `${meanFlush(flushes0, await flushes(full))} beats per flush`,
    );
  }
}

/** Beats and flushes so far, from the service's /metrics. */
async function flushes(server: Server): Promise<{ beats: number; flushes: number }> {
  const text = await (await fetch(`${server.base}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  return {
    beats: read('agent_heartbeat_flush_size_sum'),
    flushes: read('agent_heartbeat_flush_size_count'),
  };
}

function meanFlush(
  before: { beats: number; flushes: number },
  after: { beats: number; flushes: number },
): string {
  const count = after.flushes - before.flushes;
  return count > 0 ? ((after.beats - before.beats) / count).toFixed(1) : '-';
}

/** A load run, with the CPU its server and the database's sessions spent per request. */
async function measured(pg: Client, server: Server, run: () => Promise<Loaded>): Promise<Measured> {
  const sessions = () => sessionCpu(pg);
  const server0 = cpuSeconds(server.pid);
  const db0 = await sessions();
  const row = await run();
  const served = row.requests;
  const perRequest = (seconds: number) =>
    served > 0 ? Math.round((seconds * 1000 * 100) / served) / 100 : 0;
  return {
    ...row,
    serverMs: perRequest(cpuSeconds(server.pid) - server0),
    // What each session spent since (a session that ended meanwhile is not counted; the pools
    // keep theirs open).
    databaseMs: perRequest(
      [...(await sessions())].reduce(
        (sum, [pid, seconds]) => sum + seconds - (db0.get(pid) ?? 0),
        0,
      ),
    ),
  };
}

/** Each agent beats once per round of the fleet: agent-1, agent-2, ... then again. */
function inTurn(count: number, keyOf: (n: number) => string) {
  let next = 0;
  return () => {
    const n = 1 + (next++ % count);
    return {
      path: `/api/v1/agents/agent-${n}/heartbeat`,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${keyOf(n)}` },
    };
  };
}

function ratio(full: Row, off: Row): string {
  return (full.reqPerSec / off.reqPerSec).toFixed(2);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function medianRow(scenario: string, rows: Row[]): Row {
  const of = (field: 'reqPerSec' | 'p50' | 'p99' | 'non2xx') =>
    median(rows.map((row) => row[field]));
  return {
    scenario,
    reqPerSec: Math.round(of('reqPerSec')),
    p50: of('p50'),
    p99: of('p99'),
    non2xx: of('non2xx'),
  };
}

/** `count` online agents `agent-1`... beating every `interval` seconds. */
async function seedFleet(pg: Client, count: number, interval: number): Promise<void> {
  await pg.query(
    `INSERT INTO agents (tenant_id, id, name, heartbeat_interval_seconds, status, last_heartbeat_at)
     SELECT 'default', 'agent-' || g, 'Agent ' || g, $2, 'online', now() FROM generate_series(1, $1) g`,
    [count, interval],
  );
  await pg.query(
    `INSERT INTO agent_skills (tenant_id, agent_id, skill_id, name, name_key)
     SELECT 'default', 'agent-' || g, 'skill-' || (g % 100), 'Skill ' || (g % 100), 'skill ' || (g % 100)
       FROM generate_series(1, $1) g`,
    [count],
  );
  await pg.query('ANALYZE agents; ANALYZE agent_skills');
}

/** One agent-bound key per agent (inserted directly: key creation is rate limited). */
function seedAgentKeys(pg: Client, count: number): Promise<string[]> {
  return seedKeys(
    pg,
    Array.from({ length: count }, (_, i) => `agent-${i + 1}`),
  );
}

/** A `tasks:work` key bound to each agent id given (none for null), in chunks. */
async function seedKeys(pg: Client, agents: Array<string | null>): Promise<string[]> {
  const keys = agents.map(() => generateApiKey());
  for (let from = 0; from < keys.length; from += 10_000) {
    const chunk = keys.slice(from, from + 10_000);
    await pg.query(
      `INSERT INTO api_keys (id, tenant_id, name, prefix, key_hash, scopes, agent_id)
       SELECT id, 'default', coalesce(agent, 'fleet'), prefix, hash, '{tasks:work}', agent
         FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::varchar[]) AS k(id, agent, prefix, hash)`,
      [
        chunk.map(() => uuidv7()),
        agents.slice(from, from + 10_000),
        chunk.map((key) => displayPrefix(key)),
        chunk.map((key) => hashApiKey(key)),
      ],
    );
  }
  return keys;
}

if (require.main === module) {
  benchBeats().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
