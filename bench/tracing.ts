import { fork } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import {
  ADMIN_KEY,
  cpuSeconds,
  freshDatabase,
  load,
  printTable,
  Row,
  Server,
  startService,
} from './harness';

/** Alternated rounds per scenario: single rounds swing with the machine's other work. */
const REPEATS = Number(process.env.BENCH_REPEATS ?? 16);
/** Seconds each service is loaded in a round (the first round after a warm-up). */
const ROUND_SECONDS = Number(process.env.BENCH_ROUND_SECONDS ?? 2);

/** The OTLP/HTTP collector (`bench/otlp-collector.ts`), in a process of its own. */
async function collector(): Promise<{ url: string; bytes(): Promise<number>; close(): void }> {
  const child = fork(join(__dirname, 'otlp-collector.js'), [], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((done, fail) => {
    child.once('message', (message: { port: number }) => done(message.port));
    child.once('exit', () => fail(new Error('the OTLP collector exited')));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    bytes: () =>
      new Promise<number>((done) => {
        child.once('message', (message: { bytes: number }) => done(message.bytes));
        child.send('bytes');
      }),
    close: () => child.disconnect(),
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const load1 = () => loadavg()[0].toFixed(2);

/** A service counts as idle below this share of a core (its background polls use 2-4 %). */
const IDLE_SHARE = 0.1;
/** How long each idle check watches, and the longest wait for idle services. */
const IDLE_WINDOW_MS = 300;
const IDLE_WAIT_MS = 10_000;

/**
 * Waits until every service is idle: a run start leaves work behind (the outbox's dispatch,
 * the audit seal, with tracing on traced too) that would otherwise run into the next round,
 * whichever service it measures. Answers the milliseconds waited.
 */
async function settle(servers: Server[]): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < IDLE_WAIT_MS) {
    const before = servers.map((server) => cpuSeconds(server.pid));
    await new Promise((done) => setTimeout(done, IDLE_WINDOW_MS));
    const busy = servers.some(
      (server, i) => cpuSeconds(server.pid) - before[i] > (IDLE_SHARE * IDLE_WINDOW_MS) / 1000,
    );
    if (!busy) break;
  }
  return Date.now() - started;
}

/**
 * `BENCH_ONLY=tracing npm run bench`: the platform scenarios against the service with tracing
 * on (every request sampled, exported over OTLP/HTTP, protobuf unless OTEL_EXPORTER_OTLP_PROTOCOL
 * says otherwise, to a collector in a process of its own) and off, each on a database of its
 * own (a run start leaves work behind, outbox and audit seal, that a service sharing the
 * database with the others might do for them all), loaded in alternated rounds:
 * BENCH_REPEATS (16) rounds of BENCH_ROUND_SECONDS (2) per service and scenario, scenarios
 * interleaved, each load started once every service is idle. The machine is shared and single
 * rounds swing with its other work: short rounds keep the two of a round close in time, and
 * many make the median of the per-round ratios settle. Goal: on/off >= 0.9 req/s. The second
 * figure: the service's CPU time per answered request (user + system, from /proc), on against
 * off. A second untraced service in the same rounds (the control) gives both figures for two
 * alike services: the bench's own noise, against which an on/off figure is read. A third
 * traces a share of the requests (BENCH_SAMPLED_RATIO, 0.1), as under load in service.
 */
export async function benchTracing(): Promise<void> {
  const sampledRatio = Number(process.env.BENCH_SAMPLED_RATIO ?? 0.1);
  if (!(sampledRatio >= 0 && sampledRatio <= 1)) {
    throw new Error('BENCH_SAMPLED_RATIO must be a number from 0 to 1');
  }
  const otlp = await collector();
  const servers: Server[] = [];
  const databases: Array<Awaited<ReturnType<typeof freshDatabase>>> = [];
  const service = async (env: Record<string, string>, main?: string) => {
    const db = await freshDatabase();
    databases.push(db);
    const server = await startService(
      db.url,
      {
        LOG_LEVEL: 'info',
        OTEL_EXPORTER_OTLP_ENDPOINT: '',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '',
        ...env,
      },
      main,
    );
    servers.push(server);
    return server;
  };
  try {
    const off = await service({});
    const on = await service({ OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url });
    // A second service with tracing off (BENCH_CONTROL=0 leaves it out): what it gets against
    // `off` is the bench's own noise, two alike services differing by chance, the floor under
    // which an on/off figure says nothing.
    const control = process.env.BENCH_CONTROL === '0' ? undefined : await service({});
    // Tracing on as an operator would run it under load: a share of the traces kept
    // (`parentbased_traceidratio`, BENCH_SAMPLED_RATIO, 0.1; 0 leaves it out), the rest
    // propagated but not recorded.
    const sampled =
      sampledRatio > 0
        ? await service({
            OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
            OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
            OTEL_TRACES_SAMPLER_ARG: String(sampledRatio),
          })
        : undefined;
    const before = process.env.BENCH_BEFORE
      ? await service(
          { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url },
          join(process.env.BENCH_BEFORE, 'src', 'main.js'),
        )
      : undefined;
    const admin = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
    const post = async (server: Server, path: string, body: unknown) => {
      const response = await fetch(`${server.base}/api/v1${path}`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify(body),
      });
      if (!response.ok)
        throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
      return response.json() as Promise<{ data: Record<string, unknown> }>;
    };
    // The same data in each service's database.
    for (const server of servers) {
      for (let i = 0; i < 20; i += 1) {
        await post(server, '/api-keys', { name: `bench-${i}`, scopes: ['agents:read'] });
      }
      await post(server, '/workflow-definitions', {
        key: 'bench-traced',
        name: 'Bench traced',
        steps: [{ key: 'one', skill: 'bench-traced' }],
      });
    }
    const scenarios: Array<{
      name: string;
      path: string;
      options?: Parameters<typeof load>[3];
    }> = [
      { name: 'GET /health/live (untraced route)', path: '/health/live' },
      { name: 'GET /api/v1/api-keys (DB read)', path: '/api/v1/api-keys' },
      {
        name: 'POST /api/v1/workflows (run start)',
        path: '/api/v1/workflows',
        options: {
          method: 'POST',
          body: JSON.stringify({ definitionKey: 'bench-traced', input: {} }),
        },
      },
    ];
    // BENCH_BEFORE=<another build's dist>: that build with tracing on too, in the same rounds.
    const variants: Array<{ label: string; server: Server }> = [
      { label: 'on', server: on },
      ...(control ? [{ label: 'off (control)', server: control }] : []),
      ...(sampled ? [{ label: `on, ${sampledRatio} sampled`, server: sampled }] : []),
      ...(before ? [{ label: 'on (BENCH_BEFORE)', server: before }] : []),
    ];
    const rows: Row[] = [];
    const ratios = new Map<string, number[]>();
    const cpu = new Map<string, { on: number[]; off: number[]; ratio: number[] }>();
    const loadBefore = load1();
    const loads: string[] = [];
    const settled: number[] = [];
    for (let round = 0; round < REPEATS; round += 1) {
      for (const scenario of scenarios) {
        // Each round in another order, so that none always meets the same one's leftovers or
        // always runs first after a change of route: the services rotated by one place a round,
        // each run of rotations then reversed (AB BA BA AB for two). With a third service
        // (BENCH_BEFORE), reversing alone kept one of them always in the middle, always right
        // after another's load.
        const all = [off, ...variants.map((variant) => variant.server)];
        const shift = round % all.length;
        const rotated = [...all.slice(shift), ...all.slice(0, shift)];
        const order = Math.floor(round / all.length) % 2 === 0 ? rotated : rotated.reverse();
        const results = new Map<Server, Row>();
        for (const server of order) {
          settled.push(await settle(all));
          const label = `${scenario.name} tracing ${variants.find((v) => v.server === server)?.label ?? 'off'} #${round + 1}`;
          const row = await load(label, `${server.base}${scenario.path}`, admin, {
            ...scenario.options,
            duration: ROUND_SECONDS,
            // Warm once; later rounds follow each other at once, to keep a round's pair close.
            warmup: round === 0 ? 2 : 0,
            pid: server.pid,
          });
          results.set(server, row);
          rows.push(row);
        }
        const offRow = results.get(off)!;
        for (const variant of variants) {
          const key = `${variant.label}/off, ${scenario.name}`;
          const row = results.get(variant.server)!;
          // A round where either answered nothing (the machine starved it) says nothing.
          if (row.reqPerSec > 0 && offRow.reqPerSec > 0) {
            ratios.set(key, [...(ratios.get(key) ?? []), row.reqPerSec / offRow.reqPerSec]);
          }
          const [onCpu, offCpu] = [row.cpuMsPerRequest, offRow.cpuMsPerRequest];
          if (onCpu !== undefined && offCpu !== undefined && offCpu > 0) {
            const entry = cpu.get(key) ?? { on: [], off: [], ratio: [] };
            entry.on.push(onCpu);
            entry.off.push(offCpu);
            entry.ratio.push(onCpu / offCpu);
            cpu.set(key, entry);
          }
        }
      }
      loads.push(load1());
    }
    printTable(rows);
    console.log('');
    console.log(
      `load average (1 min) on ${cpus().length} cores: ${loadBefore} before, after each round ${loads.join(', ')}`,
    );
    console.log(
      `waited for idle services before each load: median ${median(settled)} ms, longest ${Math.max(...settled)} ms`,
    );
    for (const [name, values] of ratios) {
      console.log(
        `tracing ${name}: req/s median ${median(values).toFixed(2)}x over ${values.length} rounds of ${ROUND_SECONDS} s (${values.map((v) => v.toFixed(2)).join(', ')}; goal >= 0.9x)`,
      );
    }
    for (const [name, entry] of cpu) {
      console.log(
        `CPU per request, tracing ${name}: ${median(entry.on).toFixed(3)} ms against ${median(entry.off).toFixed(3)} ms; median ${median(entry.ratio).toFixed(2)}x (${entry.ratio.map((v) => v.toFixed(2)).join(', ')})`,
      );
    }
    console.log(`OTLP bytes received: ${await otlp.bytes()}`);
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    otlp.close();
    for (const db of databases) await db.dispose();
  }
}
