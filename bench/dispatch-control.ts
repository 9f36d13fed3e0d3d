import { Client } from 'pg';
import { Agent } from 'undici';
import { claimParameters, claimStatement, ClaimLimits } from '../src/workflows/claim-statement';
import {
  ADMIN_KEY,
  benchAgents,
  benchApi,
  BenchApi,
  benchWorkers,
  freshDatabase,
  Server,
  OUTBOX_COUNT,
  startService,
  untilNone,
} from './harness';

const AGENTS = 10;
const TASKS = Number(process.env.BENCH_DISPATCH_TASKS ?? 3000);
const FLOOD = Number(process.env.BENCH_FLOOD_TASKS ?? 20_000);
const SMALL_RUNS = 60;
/** The first tasks of each one-task-per-claim line, which warm its fresh service: not timed. */
const WARM_TASKS = Math.min(300, Math.floor(TASKS / 5));
const STATEMENT_CLAIMS = Number(process.env.BENCH_STATEMENT_CLAIMS ?? 1000);
/** Times the one-task-per-claim lines run A B C C B A (each line twice a time). */
const LINE_ROUNDS = Number(process.env.BENCH_DISPATCH_CONTROL_ROUNDS ?? 2);
/** Claims each connection makes in a round of the claim statement under contention. */
const CONTENDED_CLAIMS = Number(process.env.BENCH_CONTENDED_CLAIMS ?? 50);
/** Tasks that each take a large share of a limit that does not bind (an LLM call's tokens). */
const LARGE_UNITS = 15_000;
const LARGE_BURST = 320_000;

type Task = { id: string; leaseToken: string };
type Claimed = { data: { tasks: Task[] } };

/**
 * Dispatch control (issue 18): what a rate limit and a concurrency key cost the
 * one-task-per-claim loop when they do not bind (the dispatch scenario's load, plain, with every
 * step naming a limit of a billion a minute, and with that limit plus a definition whose
 * concurrency key gives every run its own value, in the same run), and the small tenant's claim
 * wait while a large tenant floods its own queue and its agents drain it, then a small key
 * value's while another value of the same key floods the same queue.
 */
export async function benchDispatchControl(): Promise<void> {
  const statement = await claimStatementAlone();
  console.log('');
  console.log('dispatch control: what a rate limit that does not bind costs a claim');
  console.log(
    "  (plain: the statement of a tenant without limits; rate-limited: the service's claim under " +
      'a limit, one sub-bucket holding it, the whole statement after when none does)',
  );
  console.log(
    `  the claim statement alone, on one connection, ${STATEMENT_CLAIMS} claims each, interleaved ` +
      `(so the machine's load falls on both alike): plain median ${statement.plain.toFixed(2)} ms, ` +
      `rate-limited median ${statement.limited.toFixed(2)} ms; ratio plain/limited = ` +
      `${(statement.plain / statement.limited).toFixed(2)}`,
  );
  const rates = (values: number[]) => values.map((value) => value.toFixed(0)).join(' and ');
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  console.log(
    `  the claim statement under contention, ${AGENTS} connections claiming at once ` +
      `(${CONTENDED_CLAIMS} claims each a round, two rounds each, interleaved): plain ` +
      `${rates(statement.contended.plain)} claims/s, rate-limited ` +
      `${rates(statement.contended.limited)} claims/s; ratio limited/plain = ` +
      `${(mean(statement.contended.limited) / mean(statement.contended.plain)).toFixed(2)}`,
  );
  console.log(
    `  the same, each task taking ${LARGE_UNITS} units of a limit whose burst is ${LARGE_BURST} ` +
      `(more than one sub-bucket holds: a claim gathers several): ` +
      `${rates(statement.contended.large)} claims/s, ` +
      `${statement.contended.largeEmpty} of ${2 * AGENTS * CONTENDED_CLAIMS} claims held back`,
  );

  const waits = (w: Waits) =>
    `p50 ${w.p50.toFixed(1)} ms, p99 ${w.p99.toFixed(1)} ms, max ${w.max.toFixed(1)} ms`;
  for (const between of ['tenants', 'key values'] as const) {
    const fair = await flooded(between);
    const [smallOne, largeOne] =
      between === 'tenants'
        ? ['small tenant', 'a large tenant floods its own queue']
        : [
            "small key value's",
            'one value of the same concurrency key floods the same tenant and skill',
          ];
    console.log('');
    console.log(
      `${smallOne} claim wait, queued to claimed (${SMALL_RUNS} runs, one every 200 ms, ` +
        `${between === 'tenants' ? '2 agents' : `${AGENTS + 2} agents shared`}):`,
    );
    console.log(`  alone: ${waits(fair.alone)}`);
    console.log(
      `  while ${largeOne} (${FLOOD} tasks queued before, ${AGENTS} agents draining ` +
        `${fair.largeRate.toFixed(0)} tasks/s): ${waits(fair.flooded)}`,
    );
    console.log(
      `  one global FIFO would have put the first of them behind ${FLOOD} others: ` +
        `~${(FLOOD / Math.max(fair.largeRate, 1)).toFixed(0)} s at that rate (computed, not measured)`,
    );
  }

  // A B C C B A, LINE_ROUNDS times: a drift of the machine's speed over the runs (warm-up,
  // other load) falls on each line alike, where one run of each in a row would hand it to
  // whichever ran last; single runs of one line differ by 10 % and more, so each line runs
  // 2 × LINE_ROUNDS times and the ratio is of the means.
  const order: Control[] = ['plain', 'rate-limit', 'rate-limit+concurrency'];
  const perLine: Record<Control, LineRate[]> = {
    plain: [],
    'rate-limit': [],
    'rate-limit+concurrency': [],
  };
  for (let round = 0; round < LINE_ROUNDS; round += 1) {
    for (const control of [...order, ...[...order].reverse()]) {
      perLine[control].push(await oneTaskPerClaim(control));
    }
  }
  const runs = (line: LineRate[], of: keyof LineRate) =>
    line.map((rate) => rate[of].toFixed(0)).join(' and ');
  const ratio = (line: Control, of: keyof LineRate) =>
    (
      mean(perLine[line].map((rate) => rate[of])) / mean(perLine.plain.map((rate) => rate[of]))
    ).toFixed(2);
  console.log('');
  console.log(
    `dispatch control, one task per claim (${AGENTS} agents over HTTP, ${TASKS} single-step runs, ` +
      `claim then complete; each line run ${2 * LINE_ROUNDS} times, in the order A B C C B A` +
      `${LINE_ROUNDS > 1 ? ` ${LINE_ROUNDS} times over` : ''}). Each line on a fresh service: ` +
      `its first ${WARM_TASKS} tasks warm it (each pool connection plans the claim statement ` +
      `anew for its first calls, the limited one at about three times the plain one's cost) and ` +
      `the rate is of the rest, as a service that has run a while serves them; the whole line's ` +
      `rate, first tasks included, is beside it:`,
  );
  const line = (label: string, control: Control) =>
    console.log(
      `  ${label}: ${runs(perLine[control], 'warm')} tasks/s ` +
        `(whole line ${runs(perLine[control], 'whole')})`,
    );
  line('plain', 'plain');
  line('rate limit configured, not binding', 'rate-limit');
  line(
    'rate limit and a concurrency key (a value per run, limit 1000), neither binding',
    'rate-limit+concurrency',
  );
  console.log(
    `  ratio limited/plain (means of the runs) = ${ratio('rate-limit', 'warm')}, ` +
      `limited+keyed/plain = ${ratio('rate-limit+concurrency', 'warm')} (goal >= 0.9); ` +
      `whole lines: ${ratio('rate-limit', 'whole')} and ${ratio('rate-limit+concurrency', 'whole')}`,
  );
}

/** A line's tasks a second: after its first WARM_TASKS, and over all of it. */
type LineRate = { warm: number; whole: number };

type Control = 'plain' | 'rate-limit' | 'rate-limit+concurrency';

async function oneTaskPerClaim(control: Control): Promise<LineRate> {
  const db = await freshDatabase();
  let server: Server | undefined;
  const sql = new Client({ connectionString: db.url });
  const client = new Agent({ connections: AGENTS + 8 });
  try {
    server = await startService(db.url, {});
    await sql.connect();
    const api = benchApi(server.base, ADMIN_KEY, client);
    const { worker, agents } = await benchWorkers(api, 'ctl', AGENTS);
    const limited = control !== 'plain';
    if (limited) await api('/rate-limits', { key: 'provider', perMinute: 1e9, burst: 1e9 });
    const step = { key: 'a', skill: 'bench', ...(limited ? { rateLimit: 'provider' } : {}) };
    if (control === 'rate-limit+concurrency') {
      await api('/workflow-definitions', {
        key: 'bench',
        steps: [step],
        concurrency: { key: '$.input.k', limit: 1000, strategy: 'queue' },
      });
    }
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < TASKS) {
          next += 1;
          await api(
            '/workflows',
            control === 'rate-limit+concurrency'
              ? { definitionKey: 'bench', input: { k: next } }
              : { type: 'bench', steps: [step] },
          );
        }
      }),
    );
    await settle(sql);
    let done = 0;
    let finished = 0;
    let warmed = 0;
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
          if (done === WARM_TASKS) warmed = performance.now();
          if (done === TASKS) finished = performance.now();
        }
      }),
    );
    const end = finished || performance.now();
    return {
      warm: (TASKS - WARM_TASKS) / ((end - warmed) / 1000),
      whole: TASKS / ((end - started) / 1000),
    };
  } finally {
    await sql.end().catch(() => undefined);
    await client.close();
    await server?.stop();
    await db.dispose();
  }
}

/**
 * The claim statement as the service sends it (prepared, max 1), for an agent whose skill's
 * tasks name no rate limit and for one whose tasks all name a limit that does not bind,
 * alternating, each in its own implicit transaction: its time in the database and the wire.
 * Then under contention: AGENTS connections, one agent each, claiming at once (plain, limited,
 * limited, plain), the claims a second: what claims under one limit cost each other.
 */
async function claimStatementAlone(): Promise<{
  plain: number;
  limited: number;
  contended: { plain: number[]; limited: number[]; large: number[]; largeEmpty: number };
}> {
  const db = await freshDatabase();
  let server: Server | undefined;
  const sql = new Client({ connectionString: db.url });
  const client = new Agent({ connections: 16 });
  try {
    server = await startService(db.url, { WORKERS: 'off' });
    await sql.connect();
    const api = benchApi(server.base, ADMIN_KEY, client);
    for (const skill of ['plain', 'limited', 'large']) {
      for (const id of [
        `${skill}-agent`,
        ...Array.from({ length: AGENTS }, (_, i) => `${skill}-${i}`),
      ])
        await api('/agents', {
          id,
          name: skill,
          heartbeatIntervalSeconds: 3600,
          skills: [{ id: skill, name: skill }],
        });
    }
    await api('/rate-limits', { key: 'provider', perMinute: 1e9, burst: 1e9 });
    await api('/rate-limits', { key: 'tokens', perMinute: 1e9, burst: LARGE_BURST });
    // The queued tasks, written directly (the statement is what is measured, not queueing).
    for (const [skill, limit, units] of [
      ['plain', null, null],
      ['limited', 'provider', 1],
      ['large', 'tokens', LARGE_UNITS],
    ] as const) {
      await sql.query(
        `INSERT INTO workflow_runs (id, tenant_id, type, status, steps)
         SELECT gen_random_uuid(), 'default', $1::varchar, 'pending', '[]'
           FROM generate_series(1, $2::int)`,
        [skill, STATEMENT_CLAIMS + 2 * AGENTS * CONTENDED_CLAIMS],
      );
      await sql.query(
        `INSERT INTO workflow_tasks (id, tenant_id, run_id, step_key, skill, status, input,
                max_attempts, retry_backoff, rate_limit_key, rate_units)
         SELECT gen_random_uuid(), 'default', r.id, 'a', $1::varchar, 'queued', '{}', 3, '{}',
                $2::varchar, $3::float8
           FROM workflow_runs r WHERE r.type = $1::varchar`,
        [skill, limit, units],
      );
    }
    await sql.query('ANALYZE');
    // As the service claims (engine.ts claimAlone): the plain tasks with the statement of a
    // tenant without limits; those under a limit with the one of a tenant with limits in the
    // case where a sub-bucket holds the claim, and the whole statement when none does.
    const claim = async (connection: Client, skill: string, agentId: string) => {
      const values = claimParameters('default', agentId, 1, 30, undefined);
      const statement = async (limits: ClaimLimits) =>
        (
          await connection.query({
            name: `claim_${limits.replace(/\W/g, '_')}`,
            text: claimStatement(1, limits),
            values,
          })
        ).rows[0] as { tasks: unknown[] | null };
      if (skill === 'plain') return (await statement('no limits')).tasks;
      const first = await statement('one sub-bucket');
      return first.tasks ?? (await statement('limits')).tasks;
    };
    const times: Record<string, number[]> = { plain: [], limited: [] };
    for (let i = 0; i < STATEMENT_CLAIMS; i++) {
      for (const skill of i % 2 === 0 ? ['plain', 'limited'] : ['limited', 'plain']) {
        const started = performance.now();
        const tasks = await claim(sql, skill, `${skill}-agent`);
        times[skill].push(performance.now() - started);
        if (!tasks || tasks.length !== 1) throw new Error(`${skill}: claim ${i} got no task`);
      }
    }
    const median = (values: number[]) =>
      [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

    const connections = await Promise.all(
      Array.from({ length: AGENTS }, async () => {
        const connection = new Client({ connectionString: db.url });
        await connection.connect();
        return connection;
      }),
    );
    const contended: Record<'plain' | 'limited' | 'large', number[]> = {
      plain: [],
      limited: [],
      large: [],
    };
    let largeEmpty = 0;
    try {
      for (const skill of ['plain', 'limited', 'large', 'large', 'limited', 'plain'] as const) {
        let claimed = 0;
        const started = performance.now();
        await Promise.all(
          connections.map(async (connection, i) => {
            for (let k = 0; k < CONTENDED_CLAIMS; k++) {
              const tasks = await claim(connection, skill, `${skill}-${i}`);
              if (tasks?.length === 1) claimed += 1;
              // Each sub-bucket holds less than a large task: a claim that found every other
              // one held takes nothing, and is told to look again.
              else if (skill === 'large') largeEmpty += 1;
              else throw new Error(`${skill}: a contended claim got no task`);
            }
          }),
        );
        contended[skill].push(claimed / ((performance.now() - started) / 1000));
      }
    } finally {
      await Promise.all(connections.map((connection) => connection.end()));
    }
    return {
      plain: median(times.plain),
      limited: median(times.limited),
      contended: { ...contended, largeEmpty },
    };
  } finally {
    await sql.end().catch(() => undefined);
    await client.close();
    await server?.stop();
    await db.dispose();
  }
}

interface Waits {
  p50: number;
  p99: number;
  max: number;
}

/**
 * The small tenant (two agents) gets a run every 200 ms, SMALL_RUNS of them, twice: alone,
 * then while the large tenant has FLOOD tasks queued (older than all of the small one's) and
 * its AGENTS agents drain them. Its wait is queued → claimed, from the database's clock.
 * Between key values, the same in one tenant: the small one is a repository's runs of a
 * definition with a concurrency key, the flood another repository's, and all the agents
 * claim from the one queue.
 */
async function flooded(between: 'tenants' | 'key values'): Promise<{
  alone: Waits;
  flooded: Waits;
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
    // Between key values, both are one tenant's: the small one is a repository's few runs.
    const tenantOf = (tenant: string) => (between === 'tenants' ? tenant : 'large');
    const as = (tenant: string): BenchApi => {
      const api = benchApi(server!.base, keys[tenantOf(tenant)], client);
      return (path, body) => api(path, body);
    };
    const large = { agents: await benchAgents(as('large'), 'large', AGENTS) };
    const small = { agents: await benchAgents(as('small'), 'small', 2) };
    for (const tenant of between === 'tenants' ? ['large', 'small'] : ['large'])
      await as(tenant)('/workflow-definitions', {
        key: 'job',
        steps: [{ key: 'do', skill: 'bench' }],
        ...(between === 'tenants' ? {} : { concurrency: { key: '$.input.repo', limit: 1000 } }),
      });
    let stop = false;
    let largeDone = 0;
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
    const loops = small.agents.map((agent) => drain(as('small'), agent));
    const smallRuns = async (): Promise<Waits> => {
      const ids: string[] = [];
      for (let i = 0; i < SMALL_RUNS; i++) {
        ids.push(
          (
            await as('small')<{ data: { id: string } }>('/workflows', {
              definitionKey: 'job',
              input: { repo: 'small' },
            })
          ).data.id,
        );
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      for (;;) {
        const { rows } = await sql.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM workflow_tasks
            WHERE run_id = ANY($1::uuid[]) AND claimed_at IS NULL`,
          [ids],
        );
        if (rows[0].n === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const { rows } = await sql.query<{ ms: number }>(
        `SELECT extract(epoch FROM claimed_at - created_at) * 1000 AS ms
           FROM workflow_tasks WHERE run_id = ANY($1::uuid[]) ORDER BY 1`,
        [ids],
      );
      const waits = rows.map((row) => Number(row.ms));
      const at = (q: number) => waits[Math.min(waits.length - 1, Math.ceil(q * waits.length) - 1)];
      return { p50: at(0.5), p99: at(0.99), max: waits[waits.length - 1] };
    };
    const alone = await smallRuns();

    // The flood, queued in one statement (an hour old: older than everything the small tenant queues).
    // Between key values: one repository's runs, each holding a slot of its key (a flood that
    // a limit of 1000 would have queued as pending runs; here their tasks are all queued).
    await sql.query(
      `INSERT INTO workflow_runs (id, tenant_id, type, definition_version, status, priority, input,
              steps, concurrency_key, concurrency_limit, concurrency_strategy, concurrency_state,
              concurrency_since)
       SELECT gen_random_uuid(), 'large', 'job', 1, 'pending', 0, '{"repo":"large"}', d.steps,
              k.key, k.lim, k.strategy, k.state, CASE WHEN k.key IS NOT NULL THEN now() END
         FROM generate_series(1, $1::int)
        CROSS JOIN (SELECT steps FROM workflow_definitions WHERE tenant_id = 'large') d
        CROSS JOIN (SELECT CASE WHEN $2 THEN '"large"' END AS key,
                           CASE WHEN $2 THEN 100000 END AS lim,
                           CASE WHEN $2 THEN 'queue' END AS strategy,
                           CASE WHEN $2 THEN 'holding' END AS state) k`,
      [FLOOD, between === 'key values'],
    );
    await sql.query(
      `INSERT INTO workflow_tasks (id, tenant_id, run_id, step_key, skill, status, input,
              max_attempts, retry_backoff, available_at)
       SELECT gen_random_uuid(), 'large', r.id, 'do', 'bench', 'queued', '{}', 3,
              '{"initialSeconds":1,"factor":2,"maxSeconds":300}', now() - interval '1 hour'
         FROM workflow_runs r WHERE r.tenant_id = 'large' AND r.input->>'repo' = 'large'`,
    );
    await sql.query('ANALYZE');
    const started = performance.now();
    loops.push(...large.agents.map((agent) => drain(as('large'), agent, () => (largeDone += 1))));
    const flooded = await smallRuns();
    const largeRate = largeDone / ((performance.now() - started) / 1000);
    stop = true;
    await Promise.all(loops);
    return { alone, flooded, largeRate };
  } finally {
    await sql.end().catch(() => undefined);
    await client.close();
    await server?.stop();
    await db.dispose();
  }
}

/** Statistics as a database in service has them, and the queueing's events dispatched. */
async function settle(sql: Client): Promise<void> {
  await sql.query('ANALYZE');
  await untilNone(sql, OUTBOX_COUNT, "the queueing's events dispatched");
}
