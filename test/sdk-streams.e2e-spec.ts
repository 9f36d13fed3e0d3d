import { Agent, fetch as undiciFetch } from 'undici';
import { AgentMeshClient, Worker, type FetchLike, type StreamEvent } from '../packages/sdk/src';
import { TcpProxy } from './utils/tcp-proxy';
import { waitFor } from './utils/spawn-app';
import { ADMIN_KEY, startTestApp, TestApp, listenOnLoopback } from './utils/test-app';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const dispatcher = new Agent();
const fetchVia: FetchLike = (url, init) =>
  undiciFetch(url, { ...init, dispatcher } as Parameters<typeof undiciFetch>[1]);

/** The SDK's live stream (async iterator, reconnecting) and its worker's ctx.progress. */
describe('SDK streams and progress', () => {
  let test: TestApp;
  let baseUrl: string;
  let client: AgentMeshClient;
  const workers: Worker[] = [];

  beforeAll(async () => {
    test = await startTestApp({ PROGRESS_INTERVAL_MS: '200', RATE_LIMIT_PER_MINUTE: '1000000' });
    baseUrl = await listenOnLoopback(test);
    client = new AgentMeshClient({ baseUrl, apiKey: ADMIN_KEY, fetch: fetchVia });
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop({ graceMs: 1_000 })));
  });
  afterAll(async () => {
    await dispatcher.destroy();
    await test?.close();
  });

  const collect = async (events: AsyncIterable<StreamEvent>) => {
    const seen: StreamEvent[] = [];
    for await (const event of events) seen.push(event);
    return seen;
  };
  /**
   * The run's history up to its end, which is where a stream stops: what follows the end (the
   * run's receipt, issued a moment later) is in the history, not in the stream.
   */
  const historyIds = async (runId: string) => {
    const ids: string[] = [];
    for await (const event of client.workflows.allEvents(runId)) {
      ids.push(event.id);
      if (/^workflow\.(succeeded|failed|cancelled)$/.test(event.type)) break;
    }
    return ids;
  };

  it('a worker reports progress with ctx.progress; workflows.stream follows the run to its end', async () => {
    const worker = new Worker({
      baseUrl,
      apiKey: ADMIN_KEY,
      agent: { id: 'progress-worker', name: 'progress' },
      handlers: {
        summarise: async (_task, ctx) => {
          for (let chapter = 1; chapter <= 5; chapter += 1) {
            await ctx.progress({ message: `chapter ${chapter}`, percent: chapter * 20 });
          }
          return { chapters: 5 };
        },
      },
      pollSeconds: 2,
      logger: quiet,
      fetch: fetchVia,
    });
    workers.push(worker);
    const run = await client.workflows.start({
      type: 'summary',
      steps: [{ key: 'sum', skill: 'summarise' }],
    });
    const streamed = collect(client.workflows.stream(run.id));
    await worker.start();
    const events = await streamed;
    const types = events.map((event) => event.type);
    expect(types[0]).toBe('workflow.created');
    expect(types[types.length - 1]).toBe('workflow.succeeded');
    const progress = events.filter((event) => event.type === 'task.progress');
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress[progress.length - 1].data).toMatchObject({
      message: 'chapter 5',
      percent: 100,
      stepKey: 'sum',
      agentId: 'progress-worker',
    });
    expect(types.lastIndexOf('task.progress')).toBeLessThan(types.indexOf('task.succeeded'));
    expect(events.map((event) => event.id)).toEqual(await historyIds(run.id));
    // Resuming from the terminal event: the run is over, the iterator ends at once.
    const last = events[events.length - 1].position;
    expect(await collect(client.workflows.stream(run.id, { lastEventId: last }))).toEqual([]);
  });

  it('reconnects with Last-Event-ID when the connection drops: nothing lost, nothing twice', async () => {
    const target = new URL(baseUrl);
    const proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port) });
    try {
      const viaProxy = new AgentMeshClient({
        baseUrl: `http://127.0.0.1:${proxy.port}`,
        apiKey: ADMIN_KEY,
        fetch: fetchVia,
      });
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const worker = new Worker({
        baseUrl,
        apiKey: ADMIN_KEY,
        agent: { id: 'gated-worker', name: 'gated' },
        handlers: {
          gated: async (_task, ctx) => {
            await ctx.progress({ message: 'waiting' });
            await gate;
            return { ok: true };
          },
        },
        pollSeconds: 2,
        logger: quiet,
        fetch: fetchVia,
      });
      workers.push(worker);
      const run = await client.workflows.start({
        type: 'gated',
        steps: [
          { key: 'one', skill: 'gated' },
          { key: 'two', skill: 'gated', dependsOn: ['one'] },
        ],
      });
      const seen: StreamEvent[] = [];
      const following = (async () => {
        for await (const event of viaProxy.workflows.stream(run.id)) seen.push(event);
      })();
      await worker.start();
      await waitFor(
        async () => (seen.some((event) => event.type === 'task.progress') ? true : undefined),
        10_000,
        'the first progress',
      );
      // The connection drops; events commit while it is down; then it comes back.
      await proxy.cut();
      release();
      await waitFor(
        async () =>
          (await client.workflows.get(run.id)).status === 'succeeded' ? true : undefined,
        10_000,
        'the run to finish',
      );
      await proxy.restore();
      await following;
      expect(seen.map((event) => event.id)).toEqual(await historyIds(run.id));
      expect(seen[seen.length - 1].type).toBe('workflow.succeeded');
    } finally {
      await proxy.stop();
    }
  });
});
