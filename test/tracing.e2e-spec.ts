import { existsSync } from 'node:fs';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo, connect } from 'node:net';
import { ADMIN_KEY } from './utils/test-app';
import { createTestDatabase, databaseName, TestDatabase } from './utils/databases';
import { freePort, MAIN, spawnApp, SpawnedApp, waitFor } from './utils/spawn-app';
import { WebhookReceiver } from './webhooks-out-receiver';
import { Worker } from '../packages/sdk/src';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  links: Array<{ traceId: string; spanId: string }>;
  attributes: Record<string, unknown>;
  status: { code?: number; message?: string };
}

/** OTLP/JSON ids are hex (the spec); tolerate base64 (protobuf-JSON mapping) as well. */
function hexId(value: string | undefined): string {
  if (!value) return '';
  return /^[0-9a-f]+$/i.test(value)
    ? value.toLowerCase()
    : Buffer.from(value, 'base64').toString('hex');
}

/** A plain OTLP/HTTP collector: keeps what each POST /v1/traces carried. */
class OtlpReceiver {
  readonly spans: ExportedSpan[] = [];
  readonly requests: Array<{ path: string; headers: IncomingHttpHeaders; body: Buffer }> = [];
  private server!: Server;
  url = '';

  static async start(): Promise<OtlpReceiver> {
    const receiver = new OtlpReceiver();
    receiver.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks);
        receiver.requests.push({ path: request.url ?? '', headers: request.headers, body });
        if (String(request.headers['content-type']).startsWith('application/json')) {
          receiver.collect(JSON.parse(body.toString('utf8')) as Json);
        }
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{}');
      });
    });
    await new Promise<void>((done) => receiver.server.listen(0, '127.0.0.1', done));
    receiver.url = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}`;
    return receiver;
  }

  private collect(body: Json): void {
    for (const resource of body.resourceSpans ?? []) {
      const service = (resource.resource?.attributes ?? []).find(
        (a: Json) => a.key === 'service.name',
      )?.value?.stringValue;
      for (const scope of resource.scopeSpans ?? []) {
        for (const span of scope.spans ?? []) {
          const attributes: Record<string, unknown> = { 'service.name': service };
          for (const a of span.attributes ?? []) {
            const v = a.value ?? {};
            attributes[a.key] = v.stringValue ?? v.intValue ?? v.boolValue ?? v.doubleValue;
          }
          this.spans.push({
            traceId: hexId(span.traceId),
            spanId: hexId(span.spanId),
            parentSpanId: hexId(span.parentSpanId),
            name: span.name,
            kind: span.kind,
            links: (span.links ?? []).map((l: Json) => ({
              traceId: hexId(l.traceId),
              spanId: hexId(l.spanId),
            })),
            attributes,
            status: span.status ?? {},
          });
        }
      }
    }
  }

  async stop(): Promise<void> {
    await new Promise((done) => this.server.close(done));
  }
}

// Each test starts the built service as its own process: slow to start on a loaded machine.
jest.setTimeout(240_000);

const built = existsSync(MAIN);
const describeBuilt = built ? describe : describe.skip;

/**
 * The built service, as its own process with OTEL_* set, so the http/pg/undici patches apply as
 * in production: one request starts a run, an agent works its tasks over HTTP, a webhook goes
 * out, and the collector ends up with one trace that holds (or links to) all of it.
 */
describeBuilt('OpenTelemetry traces', () => {
  let db: TestDatabase;
  let otlp: OtlpReceiver;
  let hooks: WebhookReceiver;
  let app: SpawnedApp;
  const spawned: SpawnedApp[] = [];
  let base: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    otlp = await OtlpReceiver.start();
    hooks = await WebhookReceiver.start();
  });

  afterAll(async () => {
    for (const one of spawned) {
      if (one.child.exitCode === null && one.child.signalCode === null) {
        one.child.kill('SIGTERM');
        await one.exited;
      }
    }
    await hooks.stop();
    await otlp.stop();
    await db.drop();
  });

  async function start(env: Record<string, string>): Promise<SpawnedApp> {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const child = spawnApp({
      DATABASE_URL: db.url,
      PORT: String(port),
      ADMIN_API_KEY: ADMIN_KEY,
      LOG_LEVEL: 'info',
      RATE_LIMIT_PER_MINUTE: '100000',
      WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8',
      OTEL_SERVICE_NAME: 'agentmesh-test',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      // The receiver reads JSON; the default, http/protobuf, has a test of its own.
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      ...env,
    });
    spawned.push(child);
    await waitFor(
      async () => ((await fetch(`${base}/health/ready`)).status === 200 ? true : undefined),
      // Generous: a shared, loaded machine can take a minute to start the service.
      120_000,
      `the service to be ready:\n${child.output()}`,
    );
    return child;
  }

  async function stop(spawned: SpawnedApp): Promise<void> {
    spawned.child.kill('SIGTERM');
    expect(await spawned.exited).toBe(0);
  }

  const call = async (
    method: string,
    path: string,
    authorization: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const response = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: {
        authorization,
        ...headers,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as Json };
  };

  it('follows one run from its request through every task to its webhook, in one trace', async () => {
    app = await start({ OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url });
    const admin = `Bearer ${ADMIN_KEY}`;
    const key = await call('POST', '/api-keys', admin, {
      name: 'traced',
      scopes: ['workflows:write', 'workflows:read', 'agents:write', 'tasks:work', 'webhooks:admin'],
    });
    expect(key.status).toBe(201);
    const auth = `Bearer ${key.body.data.key as string}`;

    // Probes and scrapes make no span, even when a caller sends a trace.
    const probed = '7d1e0b3c5a6f4e2d8c9b0a1f2e3d4c5b';
    for (const path of ['/health/live', '/health/ready', '/metrics']) {
      const response = await fetch(`${base}${path}`, {
        headers: { traceparent: `00-${probed}-1111111111111111-01` },
      });
      expect(response.status).toBe(200);
    }
    // A caller's unsampled trace is honoured: nothing of it is exported (no request span, no
    // statement spans), yet the request's log line names it.
    const unsampled = '5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b';
    const listed = await call('GET', '/agents', admin, undefined, {
      traceparent: `00-${unsampled}-2222222222222222-00`,
    });
    expect(listed.status).toBe(200);

    expect(
      (
        await call('POST', '/agents', auth, {
          id: 'tracer',
          name: 'tracer',
          skills: [
            { id: 'plan', name: 'plan' },
            { id: 'build', name: 'build' },
          ],
        })
      ).status,
    ).toBe(201);
    const endpoint = await call('POST', '/webhooks/endpoints', auth, {
      url: `${hooks.url}/traced`,
      eventTypes: ['workflow.succeeded'],
    });
    expect(endpoint.status).toBe(201);
    // The claims' own events (written by the claim statement) are traced as the others are.
    const claimedHook = await call('POST', '/webhooks/endpoints', auth, {
      url: `${hooks.url}/claimed`,
      eventTypes: ['task.claimed'],
    });
    expect(claimedHook.status).toBe(201);
    expect(
      (
        await call('POST', '/workflow-definitions', auth, {
          key: 'traced',
          name: 'Traced',
          steps: [
            { key: 'plan', skill: 'plan' },
            { key: 'build', skill: 'build', dependsOn: ['plan'] },
          ],
        })
      ).status,
    ).toBe(201);

    // The caller's own trace: the W3C traceparent it sends is continued.
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const started = await call(
      'POST',
      '/workflows',
      auth,
      { definitionKey: 'traced', input: {} },
      { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    );
    expect(started.status).toBe(201);
    const runId = started.body.data.id as string;

    // The agent: claims, and completes each task continuing the traceparent it was given.
    const worked: Json[] = [];
    while (worked.length < 2) {
      const claimed = await call('POST', '/agents/tracer/tasks/claim', auth, {
        max: 1,
        waitSeconds: 5,
      });
      expect(claimed.status).toBe(200);
      for (const task of claimed.body.data.tasks as Json[]) {
        expect(task.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
        const done = await call(
          'POST',
          `/tasks/${task.id as string}/complete`,
          auth,
          { leaseToken: task.leaseToken, output: { ok: true } },
          { traceparent: task.traceparent as string },
        );
        expect(done.status).toBe(200);
        worked.push(task);
      }
    }
    const delivered = await waitFor(
      async () => hooks.received.find((r) => r.path === '/traced'),
      20_000,
      'the workflow.succeeded webhook',
    );
    expect(JSON.parse(delivered.body)).toMatchObject({
      type: 'workflow.succeeded',
      data: expect.objectContaining({ workflowId: runId }),
    });
    // The webhook carries the trace on.
    expect(delivered.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));

    const inTrace = () => otlp.spans.filter((span) => span.traceId === traceId);
    await waitFor(
      async () => (inTrace().some((s) => s.name === 'webhook.deliver') ? true : undefined),
      15_000,
      'the webhook.deliver span',
    );
    const spans = inTrace();
    const names = spans.map((span) => span.name);
    expect(spans.every((s) => s.attributes['service.name'] === 'agentmesh-test')).toBe(true);
    // The request that started the run, named by its route, and the run it started.
    const request = spans.find((s) => s.name === 'POST /api/v1/workflows');
    expect(request).toMatchObject({
      parentSpanId: '00f067aa0ba902b7',
      kind: 2, // SERVER
      attributes: expect.objectContaining({
        'http.request.method': 'POST',
        'http.route': '/api/v1/workflows',
        'url.path': '/api/v1/workflows',
        'http.response.status_code': 201,
      }),
    });
    const invokeWorkflow = spans.find((s) => s.name === 'invoke_workflow traced');
    expect(invokeWorkflow).toMatchObject({
      parentSpanId: request!.spanId,
      attributes: expect.objectContaining({
        'gen_ai.operation.name': 'invoke_workflow',
        'agentmesh.workflow.run_id': runId,
      }),
    });
    // Database statements are spans of the request, named by verb and table.
    expect(
      spans.some(
        (s) =>
          s.attributes['db.system.name'] === 'postgresql' ||
          s.attributes['db.system'] === 'postgresql',
      ),
    ).toBe(true);
    const insertRun = spans.find((s) => s.name === 'insert workflow_runs');
    expect(insertRun).toMatchObject({
      kind: 3, // CLIENT
      attributes: expect.objectContaining({
        'db.system.name': 'postgresql',
        'db.operation.name': 'INSERT',
        'db.collection.name': 'workflow_runs',
        'db.namespace': databaseName(db.url),
      }),
    });
    expect([request!.spanId, invokeWorkflow!.spanId]).toContain(insertRun!.parentSpanId);
    expect(String(insertRun!.attributes['db.query.text'])).toMatch(/^INSERT INTO workflow_runs/);
    // Transaction control makes no span but its outcome: BEGIN and SAVEPOINT say nothing.
    const statements = spans.filter((s) => s.attributes['db.system.name'] === 'postgresql');
    expect(statements.map((s) => s.name)).toContain('commit');
    expect(
      statements.filter((s) => ['begin', 'start', 'savepoint', 'release'].includes(s.name)),
    ).toEqual([]);
    // Each attempt: an invoke_agent span under the run, linked to the claim that took it.
    const agents = spans.filter((s) => s.name.startsWith('invoke_agent '));
    expect(agents.map((s) => s.name).sort()).toEqual(['invoke_agent build', 'invoke_agent plan']);
    for (const span of agents) {
      expect(span.parentSpanId).toBe(invokeWorkflow!.spanId);
      expect(span.links).toHaveLength(1);
      const claim = otlp.spans.find((s) => s.spanId === span.links[0].spanId);
      expect(claim?.name).toBe('task.claim');
      expect(worked.map((t) => t.traceparent)).toContain(`00-${traceId}-${span.spanId}-01`);
    }
    // Each completion, continued by the agent: under its invoke_agent span.
    const completions = spans.filter((s) => s.name === 'task.complete');
    expect(completions).toHaveLength(2);
    const agentIds = new Set(agents.map((s) => s.spanId));
    for (const completion of completions) {
      const server = spans.find((s) => s.spanId === completion.parentSpanId);
      expect(server?.name).toBe('POST /api/v1/tasks/:id/complete');
      expect(agentIds.has(server!.parentSpanId)).toBe(true);
    }
    // The outbox dispatch links to the spans that emitted its events (in this trace).
    const dispatches = otlp.spans.filter(
      (s) => s.name === 'outbox.dispatch' && s.links.some((l) => l.traceId === traceId),
    );
    expect(dispatches.length).toBeGreaterThan(0);
    // The delivery continues the trace, and the POST is its child (whose traceparent went out).
    const deliver = spans.find((s) => s.name === 'webhook.deliver')!;
    expect(deliver.attributes).toMatchObject({ 'http.response.status_code': 200 });
    const post = spans.find((s) => s.parentSpanId === deliver.spanId);
    expect(post).toBeDefined();
    expect(delivered.headers.traceparent).toBe(`00-${traceId}-${post!.spanId}-01`);
    expect(names).toEqual(expect.arrayContaining(['task.complete', 'webhook.deliver']));
    // A task.claimed event carries the trace of the claim that wrote it, and its webhook
    // continues that trace (the claim's span links on to the run's).
    const claimedDeliveries = await waitFor(
      async () => {
        const received = hooks.received.filter((r) => r.path === '/claimed');
        return received.length >= 2 ? received : undefined;
      },
      20_000,
      'the task.claimed webhooks',
    );
    const claimTraces = await waitFor(
      async () => {
        const traces = otlp.spans.filter((s) => s.name === 'task.claim').map((s) => s.traceId);
        return claimedDeliveries.every((d) =>
          traces.includes(String(d.headers.traceparent).split('-')[1]),
        )
          ? traces
          : undefined;
      },
      15_000,
      "the claims' spans",
    ).catch(() => otlp.spans.filter((s) => s.name === 'task.claim').map((s) => s.traceId));
    for (const delivery of claimedDeliveries) {
      expect(claimTraces).toContain(String(delivery.headers.traceparent).split('-')[1]);
    }
    // Exported in order: by now the probes' and the unsampled request's would have been.
    expect(otlp.spans.filter((s) => s.traceId === probed || s.traceId === unsampled)).toEqual([]);

    // A failed attempt is traced as a completion is: task.fail under the agent's call.
    expect(
      (
        await call('POST', '/workflow-definitions', auth, {
          key: 'traced-failure',
          steps: [{ key: 'plan', skill: 'plan' }],
        })
      ).status,
    ).toBe(201);
    const failing = await call('POST', '/workflows', auth, { definitionKey: 'traced-failure' });
    expect(failing.status).toBe(201);
    const [doomed] = (
      await call('POST', '/agents/tracer/tasks/claim', auth, { max: 1, waitSeconds: 5 })
    ).body.data.tasks as Json[];
    expect(doomed.workflowId).toBe(failing.body.data.id);
    const failed = await call(
      'POST',
      `/tasks/${doomed.id as string}/fail`,
      auth,
      { leaseToken: doomed.leaseToken, error: { message: 'no plan' }, retryable: false },
      { traceparent: doomed.traceparent as string },
    );
    expect(failed.status).toBe(200);
    const failSpan = await waitFor(
      async () => otlp.spans.find((s) => s.name === 'task.fail'),
      15_000,
      'the task.fail span',
    );
    const failTrace = String(doomed.traceparent).split('-')[1];
    expect(failSpan).toMatchObject({
      traceId: failTrace,
      attributes: expect.objectContaining({
        'agentmesh.task.id': doomed.id,
        'agentmesh.task.retryable': false,
        'agentmesh.task.will_retry': false,
        'agentmesh.workflow.run_id': failing.body.data.id,
      }),
    });
    const failServer = otlp.spans.find((s) => s.spanId === failSpan.parentSpanId);
    expect(failServer?.name).toBe('POST /api/v1/tasks/:id/fail');
    expect(failServer?.parentSpanId).toBe(String(doomed.traceparent).split('-')[2]);

    // Log lines of the request carry its trace.
    const lines = app
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Json);
    expect(
      lines.some(
        (line) =>
          line.msg === 'request completed' &&
          line.route === '/api/v1/workflows' &&
          line.trace_id === traceId,
      ),
    ).toBe(true);
    expect(
      lines.some(
        (line) =>
          line.msg === 'request completed' &&
          line.route === '/api/v1/agents' &&
          line.trace_id === unsampled &&
          line.trace_flags === '00',
      ),
    ).toBe(true);
    await stop(app);
  });

  it("an SDK worker's calls on a task join the attempt's trace", async () => {
    app = await start({ OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url });
    const admin = `Bearer ${ADMIN_KEY}`;
    expect(
      (
        await call('POST', '/workflow-definitions', admin, {
          key: 'traced-sdk',
          steps: [{ key: 'write', skill: 'sdk-write' }],
        })
      ).status,
    ).toBe(201);
    const traceId = 'a3ce929d0e0e47364bf92f3577b34da6';
    const started = await call(
      'POST',
      '/workflows',
      admin,
      { definitionKey: 'traced-sdk' },
      { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    );
    expect(started.status).toBe(201);

    const seen: Array<{ task: string | undefined; context: string | undefined }> = [];
    const worker = new Worker({
      baseUrl: base,
      apiKey: ADMIN_KEY,
      agent: { id: 'sdk-tracer' },
      handlers: {
        'sdk-write': async (task, ctx) => {
          seen.push({ task: task.traceparent, context: ctx.traceparent });
          await ctx.heartbeat();
          await ctx.progress({ message: 'half way', percent: 50 });
          return { written: true };
        },
      },
      pollSeconds: 1,
      logger: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    });
    await worker.start();
    try {
      await waitFor(
        async () =>
          (await call('GET', `/workflows/${started.body.data.id as string}`, admin)).body.data
            .status === 'succeeded'
            ? true
            : undefined,
        20_000,
        'the run to succeed',
      );
    } finally {
      await worker.stop();
    }
    // The handler is given the attempt's traceparent, in the run's trace.
    expect(seen).toHaveLength(1);
    const [{ task: traceparent, context }] = seen;
    expect(traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(context).toBe(traceparent);
    const attemptSpan = String(traceparent).split('-')[2];
    // Its heartbeat, progress and completion are children of the attempt's invoke_agent span.
    const routes = [
      'POST /api/v1/tasks/:id/heartbeat',
      'POST /api/v1/tasks/:id/progress',
      'POST /api/v1/tasks/:id/complete',
    ];
    const calls = await waitFor(
      async () => {
        // Spans of the earlier tests are in the receiver too: this trace's only.
        const found = routes.map((name) =>
          otlp.spans.find((s) => s.name === name && s.traceId === traceId),
        );
        return found.every(Boolean) ? found : undefined;
      },
      15_000,
      "the task calls' spans",
    );
    for (const span of calls) {
      expect(span).toMatchObject({ traceId, parentSpanId: attemptSpan });
    }
    await stop(app);
  });

  it('exports http/protobuf unless told otherwise', async () => {
    const before = otlp.requests.length;
    app = await start({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${otlp.url}/custom/traces`,
      OTEL_EXPORTER_OTLP_PROTOCOL: '',
    });
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const response = await fetch(`${base}/api/v1/agents`, {
      headers: {
        authorization: `Bearer ${ADMIN_KEY}`,
        traceparent: `00-${traceId}-b7ad6b7169203331-01`,
      },
    });
    expect(response.status).toBe(200);
    const exported = await waitFor(
      async () =>
        // The request's span: its statements' spans may have left in an earlier batch.
        otlp.requests
          .slice(before)
          .find(
            (r) =>
              r.body.includes(Buffer.from(traceId, 'hex')) &&
              r.body.includes(Buffer.from('GET /api/v1/agents')),
          ),
      15_000,
      'a protobuf export holding the trace',
    );
    expect(exported.path).toBe('/custom/traces');
    expect(exported.headers['content-type']).toBe('application/x-protobuf');
    await stop(app);
  });

  it('caps the statement spans of one request at TRACING_STATEMENT_SPANS_MAX', async () => {
    app = await start({
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      TRACING_STATEMENT_SPANS_MAX: '2',
    });
    // A run start runs more than two statements (the first test's definition).
    const traceId = '1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f';
    const started = await call(
      'POST',
      '/workflows',
      `Bearer ${ADMIN_KEY}`,
      { definitionKey: 'traced', input: {} },
      { traceparent: `00-${traceId}-3333333333333333-01` },
    );
    expect(started.status).toBe(201);
    // The request's span ends last: once it is exported, so are its statements' spans.
    await waitFor(
      async () =>
        otlp.spans.some((s) => s.traceId === traceId && s.name === 'POST /api/v1/workflows')
          ? true
          : undefined,
      15_000,
      'the run start request span',
    );
    const spans = otlp.spans.filter((s) => s.traceId === traceId);
    const statements = spans.filter((s) => s.attributes['db.system.name'] === 'postgresql');
    expect(statements).toHaveLength(2);
    // The spans the left-out statements ran in count them.
    const untraced = spans
      .map((s) => Number(s.attributes['agentmesh.db.statements_untraced'] ?? 0))
      .reduce((sum, count) => sum + count, 0);
    expect(untraced).toBeGreaterThan(0);
    // The request's and the run's spans are all there.
    expect(spans.map((s) => s.name)).toEqual(
      expect.arrayContaining(['POST /api/v1/workflows', 'invoke_workflow traced']),
    );
    await stop(app);
  });

  it('runs probes outside any trace, and writes each log line outside a span with its own fields only', async () => {
    app = await start({ OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, LOG_LEVEL: 'debug' });
    const admin = `Bearer ${ADMIN_KEY}`;
    // A probe sent with a trace and a request id of its own.
    const probed = '6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d';
    const probe = await fetch(`${base}/health/live`, {
      headers: {
        traceparent: `00-${probed}-4444444444444444-01`,
        'x-request-id': 'probe-3f9c2a',
      },
    });
    expect(probe.status).toBe(200);
    expect(probe.headers.get('x-request-id')).toBe('probe-3f9c2a');
    // A traced request after it.
    const traced = '2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e';
    expect(
      (
        await call('GET', '/agents', admin, undefined, {
          traceparent: `00-${traced}-5555555555555555-01`,
        })
      ).status,
    ).toBe(200);
    // A client that gives up before its body is sent.
    const abandoned = '3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f';
    const socket = connect(Number(new URL(base).port), '127.0.0.1');
    await new Promise((done) => socket.once('connect', done));
    socket.write(
      [
        'POST /api/v1/agents HTTP/1.1',
        'Host: 127.0.0.1',
        `Authorization: ${admin}`,
        'Content-Type: application/json',
        'Content-Length: 100',
        `traceparent: 00-${abandoned}-6666666666666666-01`,
        '',
        '{"id":',
      ].join('\r\n'),
    );
    await new Promise((done) => setTimeout(done, 500));
    socket.destroy();
    const aborted = await waitFor(
      async () =>
        otlp.spans.find((s) => s.traceId === abandoned && s.name === 'POST /api/v1/agents'),
      15_000,
      'the abandoned request span',
    );
    expect(aborted.status).toMatchObject({
      code: 2, // ERROR
      message: 'the client closed the connection',
    });
    await waitFor(
      async () =>
        otlp.spans.some((s) => s.traceId === traced && s.name === 'GET /api/v1/agents')
          ? true
          : undefined,
      15_000,
      'the traced request span',
    );
    await stop(app);

    expect(otlp.spans.filter((s) => s.traceId === probed)).toEqual([]);
    const lines = app
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Json);
    // The probe's line: no span, no trace context, so no trace fields.
    const probeLines = lines.filter((line) => line.correlationId === 'probe-3f9c2a');
    expect(probeLines).toEqual([
      expect.objectContaining({ msg: 'request completed', route: '/health/live' }),
    ]);
    expect(probeLines[0]).not.toHaveProperty('trace_id');
    // The traced request's line names its trace.
    expect(
      lines.some(
        (line) =>
          line.msg === 'request completed' &&
          line.route === '/api/v1/agents' &&
          line.trace_id === traced,
      ),
    ).toBe(true);
    // No later line outside a span (the shutdown's) carries another line's fields.
    const shutdown = lines.filter((line) => /SIGTERM|Stopped after/.test(String(line.msg)));
    expect(shutdown.length).toBeGreaterThan(0);
    for (const line of shutdown) {
      expect(line).not.toHaveProperty('route');
      expect(line).not.toHaveProperty('statusCode');
    }
  });

  it('refuses to start on an unsupported protocol, naming the variable', async () => {
    const refused = spawnApp({
      DATABASE_URL: db.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
    });
    expect(await refused.exited).toBe(78);
    expect(refused.output()).toContain('OTEL_EXPORTER_OTLP_PROTOCOL');
    const capless = spawnApp({
      DATABASE_URL: db.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      TRACING_STATEMENT_SPANS_MAX: 'many',
    });
    expect(await capless.exited).toBe(78);
    expect(capless.output()).toContain('TRACING_STATEMENT_SPANS_MAX');
  });
});

if (!built) {
  console.warn(`Skipping tracing tests: ${MAIN} is missing (run npm run build)`);
}
