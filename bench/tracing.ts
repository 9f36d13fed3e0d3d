import { createServer } from 'node:http';
import { cpus, loadavg } from 'node:os';
import type { AddressInfo } from 'node:net';
import { ADMIN_KEY, freshDatabase, load, printTable, Row, Server, startService } from './harness';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);

/** An OTLP/HTTP collector in the bench process: counts what it is sent, answers 200. */
async function collector(): Promise<{ url: string; bytes: () => number; close(): Promise<void> }> {
  let bytes = 0;
  const server = createServer((request, response) => {
    request.on('data', (chunk: Buffer) => (bytes += chunk.length));
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{}');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bytes: () => bytes,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const load1 = () => loadavg()[0].toFixed(2);

/**
 * `BENCH_ONLY=tracing npm run bench`: the platform scenarios against the service with tracing
 * on (every request sampled, exported over OTLP/HTTP JSON to a collector in this process) and
 * off, both running on one database, loaded in alternated rounds (the machine is shared: the
 * ratio within a round, and its median over BENCH_REPEATS rounds, mean more than any absolute
 * figure). Goal: on/off >= 0.9 req/s. The second figure, steadier on a loaded machine: the
 * service's CPU time per answered request (user + system, from /proc), on against off.
 */
export async function benchTracing(): Promise<void> {
  const db = await freshDatabase();
  const otlp = await collector();
  const servers: Server[] = [];
  const service = async (env: Record<string, string>) => {
    const server = await startService(db.url, {
      LOG_LEVEL: 'info',
      OTEL_EXPORTER_OTLP_ENDPOINT: '',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '',
      ...env,
    });
    servers.push(server);
    return server;
  };
  try {
    const off = await service({});
    const on = await service({ OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url });
    const admin = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${off.base}/api/v1${path}`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify(body),
      });
      if (!response.ok)
        throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
      return response.json() as Promise<{ data: Record<string, unknown> }>;
    };
    for (let i = 0; i < 20; i += 1) {
      await post('/api-keys', { name: `bench-${i}`, scopes: ['agents:read'] });
    }
    await post('/workflow-definitions', {
      key: 'bench-traced',
      name: 'Bench traced',
      steps: [{ key: 'one', skill: 'bench-traced' }],
    });
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
    const rows: Row[] = [];
    const ratios = new Map<string, number[]>();
    const cpu = new Map<string, { on: number[]; off: number[]; ratio: number[] }>();
    const loadBefore = load1();
    for (let round = 0; round < REPEATS; round += 1) {
      for (const scenario of scenarios) {
        // Alternate which goes first, so neither always meets the other's leftovers.
        const order = round % 2 === 0 ? ([off, on] as const) : ([on, off] as const);
        const results = new Map<Server, Row>();
        for (const server of order) {
          const label = `${scenario.name} tracing ${server === on ? 'on ' : 'off'} #${round + 1}`;
          const row = await load(label, `${server.base}${scenario.path}`, admin, {
            ...scenario.options,
            pid: server.pid,
          });
          results.set(server, row);
          rows.push(row);
        }
        const [onRate, offRate] = [results.get(on)!.reqPerSec, results.get(off)!.reqPerSec];
        // A round where either answered nothing (the machine starved it) says nothing.
        if (onRate > 0 && offRate > 0) {
          ratios.set(scenario.name, [...(ratios.get(scenario.name) ?? []), onRate / offRate]);
        }
        const [onCpu, offCpu] = [
          results.get(on)!.cpuMsPerRequest,
          results.get(off)!.cpuMsPerRequest,
        ];
        if (onCpu !== undefined && offCpu !== undefined && offCpu > 0) {
          const entry = cpu.get(scenario.name) ?? { on: [], off: [], ratio: [] };
          entry.on.push(onCpu);
          entry.off.push(offCpu);
          entry.ratio.push(onCpu / offCpu);
          cpu.set(scenario.name, entry);
        }
      }
    }
    printTable(rows);
    console.log('');
    console.log(
      `load average (1 min) on ${cpus().length} cores: ${loadBefore} before, ${load1()} after`,
    );
    for (const [name, values] of ratios) {
      console.log(
        `tracing on/off, ${name}: median ${median(values).toFixed(2)}x over ${values.length} rounds (${values.map((v) => v.toFixed(2)).join(', ')}; goal >= 0.9x)`,
      );
    }
    for (const [name, entry] of cpu) {
      console.log(
        `CPU per request, ${name}: tracing on ${median(entry.on).toFixed(3)} ms, off ${median(entry.off).toFixed(3)} ms; on/off median ${median(entry.ratio).toFixed(2)}x (${entry.ratio.map((v) => v.toFixed(2)).join(', ')})`,
      );
    }
    console.log(`OTLP bytes received: ${otlp.bytes()}`);
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await otlp.close();
    await db.dispose();
  }
}
