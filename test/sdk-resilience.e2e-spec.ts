import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentMeshClient, Worker, type WorkerEvent } from '../packages/sdk/src';
import { createTestDatabase, type TestDatabase } from './utils/databases';
import { freePort, spawnApp, waitFor, type SpawnedApp } from './utils/spawn-app';
import { ADMIN_KEY, startTestApp, listenOnLoopback } from './utils/test-app';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** A worker process of its own, built from the SDK's sources, with signal handling on. */
const WORKER_SCRIPT = `
const { Worker } = require(process.env.SDK_DIR);
let release;
const gate = new Promise((resolve) => (release = resolve));
process.stdin.on('data', () => release());
const worker = new Worker({
  baseUrl: process.env.BASE_URL,
  apiKey: process.env.API_KEY,
  agent: { id: 'proc-worker', name: 'Process worker' },
  pollSeconds: 2,
  handleSignals: true,
  logger: { debug() {}, info() {}, warn() {}, error() {} },
  handlers: {
    slow: async (task) => {
      console.log('started ' + task.id);
      await gate;
      console.log('finished ' + task.id);
      return { by: 'proc-worker' };
    },
  },
});
worker.on((event) => event.kind === 'state' && console.log('state ' + event.state));
worker.start().catch((error) => { console.error(error); process.exit(2); });
`;

describe('SDK worker resilience', () => {
  let sdkDir: string;

  beforeAll(() => {
    sdkDir = mkdtempSync(join(tmpdir(), 'agentmesh-sdk-'));
    execFileSync(process.execPath, [
      require.resolve('typescript/bin/tsc'),
      '-p',
      join(__dirname, '..', 'packages', 'sdk', 'tsconfig.build.json'),
      '--outDir',
      sdkDir,
    ]);
    writeFileSync(join(sdkDir, 'worker-process.js'), WORKER_SCRIPT);
  });
  afterAll(() => rmSync(sdkDir, { recursive: true, force: true }));

  it('SIGTERM to a worker process drains: draining, in-flight finishes, no new claims, exit 0', async () => {
    const test = await startTestApp();
    try {
      const baseUrl = await listenOnLoopback(test);
      const client = new AgentMeshClient({ baseUrl, apiKey: ADMIN_KEY });
      let output = '';
      const child = spawn(process.execPath, [join(sdkDir, 'worker-process.js')], {
        env: {
          PATH: process.env.PATH ?? '',
          SDK_DIR: sdkDir,
          BASE_URL: baseUrl,
          API_KEY: ADMIN_KEY,
        },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));

      await waitFor(
        async () => (output.includes('state running') ? true : undefined),
        15_000,
        'the worker to run',
      );
      const first = await client.workflows.start({
        type: 'proc',
        steps: [{ key: 's', skill: 'slow' }],
      });
      await waitFor(
        async () => (output.includes('started') ? true : undefined),
        15_000,
        'the task to start',
      );

      child.kill('SIGTERM');
      await waitFor(
        async () =>
          (await client.agents.get('proc-worker')).status === 'draining' ? true : undefined,
        5_000,
        'the agent to be draining',
      );
      const second = await client.workflows.start({
        type: 'proc',
        steps: [{ key: 's', skill: 'slow' }],
      });
      await new Promise((resolve) => setTimeout(resolve, 2_500)); // longer than a poll
      child.stdin.write('go\n');

      expect(await exited).toBe(0);
      expect(output).toContain(`finished ${first.steps[0].task?.id}`);
      expect(output.match(/started /g)).toHaveLength(1);
      expect(output).toContain('state stopped');
      const firstRun = await client.workflows.get(first.id);
      expect(firstRun.status).toBe('succeeded');
      expect((await client.workflows.get(second.id)).steps[0].status).toBe('queued');
    } finally {
      await test.close();
    }
  });

  it('a worker waits out a restart of the service and the run finishes', async () => {
    const db: TestDatabase = await createTestDatabase();
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const client = new AgentMeshClient({ baseUrl, apiKey: ADMIN_KEY });
    // The built service as a process of its own, stopped with SIGTERM as a deploy would.
    const boot = async () => {
      const service = spawnApp({
        DATABASE_URL: db.url,
        PORT: String(port),
        ADMIN_API_KEY: ADMIN_KEY,
        LOG_LEVEL: 'silent',
        TASK_LEASE_SECONDS: '10',
        SHUTDOWN_GRACE_MS: '3000',
      });
      await waitFor(
        async () => ((await fetch(`${baseUrl}/health/ready`)).ok ? true : undefined),
        30_000,
        `the service to be ready: ${service.output()}`,
      );
      return service;
    };
    const halt = async (service: SpawnedApp) => {
      service.child.kill('SIGTERM');
      await service.exited;
    };
    let service: SpawnedApp | undefined = await boot();
    let worker: Worker | undefined;
    try {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let firstStarted = false;
      const warnings: WorkerEvent[] = [];
      worker = new Worker({
        baseUrl,
        apiKey: ADMIN_KEY,
        agent: { id: 'survivor', name: 'Survivor' },
        pollSeconds: 2,
        logger: quiet,
        handlers: {
          first: async () => {
            firstStarted = true;
            await gate;
            return 1;
          },
          second: async (_task, ctx) => (ctx.dependencies.first as number) + 1,
        },
      });
      worker.on((event) => event.kind === 'warning' && warnings.push(event));
      await worker.start();
      const run = await client.workflows.start({
        type: 'restart',
        steps: [
          { key: 'first', skill: 'first' },
          { key: 'second', skill: 'second', dependsOn: ['first'] },
        ],
      });
      await waitFor(
        async () => (firstStarted ? true : undefined),
        15_000,
        'the first task to start',
      );

      await halt(service);
      service = undefined;
      // The worker keeps trying while the service is down, and never stops.
      await waitFor(async () => (warnings.length > 0 ? true : undefined), 15_000, 'a failed call');
      release();
      service = await boot();

      const done = await client.workflows.waitForCompletion(run.id, { timeoutMs: 25_000 });
      expect(done.status).toBe('succeeded');
      expect(done.output).toEqual({ first: 1, second: 2 });
      expect(worker.state).toBe('running');
    } finally {
      await worker?.stop({ graceMs: 1_000 });
      if (service) await halt(service);
      await db.drop();
    }
  });
});
