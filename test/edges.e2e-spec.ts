import { Logger } from '@nestjs/common';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { encodeCursor } from '../src/common/pagination';
import { ADMIN_KEY, createKey, startTestApp, TestApp } from './utils/test-app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Answer {
  status: number;
  type: string;
  body: Json | undefined;
  text: string;
}

/**
 * The service's edges as a hostile or careless client meets them: bodies nested to exhaust a
 * recursive walker, paths Fastify refuses before routing, bytes Node refuses before HTTP, and
 * every operation of the OpenAPI document fed malformed input. Whatever comes back is never a
 * 500, and every error is application/problem+json with a correlation id.
 */
describe('edges: hostile input is a problem+json 4xx, never a 500', () => {
  let test: TestApp;
  let port: number;
  const admin = { authorization: `Bearer ${ADMIN_KEY}` };

  const send = (
    method: string,
    path: string,
    options: { headers?: Record<string, string>; body?: string | Buffer } = {},
  ): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const body = options.body;
      const outgoing = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method,
          path,
          headers: {
            ...(body === undefined
              ? {}
              : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
            ...options.headers,
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: Json | undefined;
            try {
              parsed = text ? (JSON.parse(text) as Json) : undefined;
            } catch {
              parsed = undefined;
            }
            resolve({
              status: response.statusCode ?? 0,
              type: String(response.headers['content-type'] ?? ''),
              body: parsed,
              text,
            });
          });
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });

  /** Bytes written on a socket as they are, for requests Node's own client refuses to send. */
  const sendRaw = (bytes: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('error', reject);
      socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
      socket.write(bytes);
    });

  const expectProblem = (answer: Answer, status?: number) => {
    if (status !== undefined) expect(answer.status).toBe(status);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(answer.type).toMatch(/^application\/problem\+json/);
    expect(answer.body?.correlationId).toEqual(expect.any(String));
    expect(answer.body?.type).toMatch(/^urn:agentmesh:problem:/);
  };

  const nested = (depth: number, leaf = '1') => '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);

  beforeAll(async () => {
    test = await startTestApp({ RATE_LIMIT_PER_MINUTE: '1000000' });
    await test.app.listen({ port: 0, host: '127.0.0.1' });
    port = (test.app.getHttpServer().address() as { port: number }).port;
  });

  afterAll(async () => {
    await test.close();
  });

  describe('deeply nested JSON', () => {
    it('is refused with 400 on every free-form field, before validation walks it', async () => {
      const worker = await createKey(test, { scopes: ['tasks:work'] });
      for (const depth of [2_000, 100_000]) {
        const labels = await send('POST', '/api/v1/agents', {
          headers: admin,
          body: `{"name":"deep","skills":[{"name":"s"}],"labels":${nested(depth)}}`,
        });
        expectProblem(labels, 400);
        expect(labels.body?.type).toBe('urn:agentmesh:problem:json-too-deep');

        const input = await send('POST', '/api/v1/workflows', {
          headers: admin,
          body: `{"type":"deep","steps":[{"key":"a","skill":"s"}],"input":${nested(depth)}}`,
        });
        expectProblem(input, 400);

        const output = await send('POST', `/api/v1/tasks/${crypto.randomUUID()}/complete`, {
          headers: { authorization: worker.authorization },
          body: `{"leaseToken":"t","output":${nested(depth)}}`,
        });
        expectProblem(output, 400);
      }
    });

    it('is refused the same way without credentials, and the service stays up', async () => {
      const body = nested(170_000);
      const answers = await Promise.all(
        Array.from({ length: 4 }, () => send('POST', '/api/v1/agents', { body })),
      );
      for (const answer of answers) expectProblem(answer);
      const live = await send('GET', '/health/live');
      expect(live.status).toBe(200);
    });

    it('answers a large anonymous body with 401 before reading it', async () => {
      // 900 KB announced, 10 bytes sent: the answer must not wait for (or parse) the rest.
      const answer = await new Promise<{ status: number; type: string; early: boolean }>(
        (resolve, reject) => {
          let finished = false;
          const outgoing = httpRequest(
            {
              host: '127.0.0.1',
              port,
              method: 'POST',
              path: '/api/v1/agents',
              headers: { 'content-type': 'application/json', 'content-length': 900_000 },
            },
            (response) => {
              resolve({
                status: response.statusCode ?? 0,
                type: String(response.headers['content-type']),
                early: !finished,
              });
              response.resume();
              outgoing.destroy();
            },
          );
          outgoing.on('error', (error) => (finished ? undefined : reject(error)));
          outgoing.write('{"name":"x');
          setTimeout(() => {
            finished = true;
            outgoing.destroy();
            resolve({ status: 0, type: '', early: false });
          }, 5_000).unref();
        },
      );
      expect(answer).toEqual({
        status: 401,
        type: expect.stringMatching(/^application\/problem\+json/),
        early: true,
      });
    });

    it('keeps a value nested up to the limit exactly as sent', async () => {
      const labels = JSON.parse(nested(200, '"leaf"')) as Json;
      const created = await send('POST', '/api/v1/agents', {
        headers: admin,
        body: JSON.stringify({ id: 'nested-ok', name: 'n', skills: [{ name: 's' }], labels }),
      });
      expect(created.status).toBe(201);
      const read = await send('GET', '/api/v1/agents/nested-ok', { headers: admin });
      expect(read.body?.data.labels).toEqual(labels);
    });
  });

  describe('free-form JSON keeps every key', () => {
    const reserved = {
      toString: 'a',
      hasOwnProperty: 1,
      constructor: 'c',
      valueOf: true,
      isPrototypeOf: null,
      nested: { toString: ['x'], propertyIsEnumerable: 2 },
    };

    it('stores labels named like Object.prototype members as sent', async () => {
      const created = await send('POST', '/api/v1/agents', {
        headers: admin,
        body: JSON.stringify({
          id: 'proto-labels',
          name: 'p',
          skills: [{ name: 'p' }],
          labels: reserved,
        }),
      });
      expect(created.status).toBe(201);
      expect(created.body?.data.labels).toEqual(reserved);
      const read = await send('GET', '/api/v1/agents/proto-labels', { headers: admin });
      expect(read.body?.data.labels).toEqual(reserved);
    });

    it('refuses prototype pollution with 400 instead of dropping it', async () => {
      for (const labels of ['{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}']) {
        const answer = await send('PUT', '/api/v1/agents/proto-labels', {
          headers: admin,
          body: `{"name":"p","skills":[{"name":"p"}],"labels":${labels}}`,
        });
        expectProblem(answer, 400);
      }
      const read = await send('GET', '/api/v1/agents/proto-labels', { headers: admin });
      expect(read.body?.data.labels).toEqual(reserved);
    });

    it('keeps them in run input and task output', async () => {
      const worker = await createKey(test, { scopes: ['tasks:work'] });
      const registered = await send('PUT', '/api/v1/agents/proto-worker', {
        headers: admin,
        body: JSON.stringify({ name: 'w', skills: [{ name: 'proto-skill' }] }),
      });
      expect(registered.status).toBeLessThan(300);
      const started = await send('POST', '/api/v1/workflows', {
        headers: admin,
        body: JSON.stringify({
          type: 'proto',
          steps: [{ key: 'a', skill: 'proto-skill' }],
          input: reserved,
        }),
      });
      expect(started.status).toBe(201);
      expect(started.body?.data.input).toEqual(reserved);
      const claimed = await send('POST', '/api/v1/agents/proto-worker/tasks/claim', {
        headers: { authorization: worker.authorization },
        body: '{}',
      });
      const [task] = claimed.body?.data.tasks as Json[];
      expect(task.input.input).toEqual(reserved);
      const done = await send('POST', `/api/v1/tasks/${task.id}/complete`, {
        headers: { authorization: worker.authorization },
        body: JSON.stringify({ leaseToken: task.leaseToken, output: reserved }),
      });
      expect(done.status).toBe(200);
      const run = await send('GET', `/api/v1/workflows/${task.workflowId}`, { headers: admin });
      expect(run.body?.data.output).toEqual({ a: reserved });
    });
  });

  describe('the NUL character, which PostgreSQL cannot store in text', () => {
    it('is refused field by field, before anything is written', async () => {
      const before = await send('GET', '/api/v1/workflows?type=nul-input', { headers: admin });
      const cases: Array<[string, string, string]> = [
        [
          'POST',
          '/api/v1/workflows',
          '{"type":"nul-input","steps":[{"key":"a","skill":"s"}],"input":{"t":{"deep":["ok","a\\u0000b"]}}}',
        ],
        [
          'PUT',
          '/api/v1/agents/nul-labels',
          '{"name":"n","skills":[{"name":"n"}],"labels":{"k\\u0000":"v"}}',
        ],
      ];
      const fields: string[] = [];
      for (const [method, path, body] of cases) {
        const answer = await send(method, path, { headers: admin, body });
        expectProblem(answer, 400);
        expect(answer.body?.type).toMatch(/invalid-value$/);
        fields.push(...(answer.body?.errors as Array<{ field: string }>).map((e) => e.field));
      }
      expect(fields).toEqual(['input.t.deep[1]', 'labels']);
      // Escaped in the JSON text, it is an ordinary backslash and "u0000": kept as sent.
      const literal = await send('PUT', '/api/v1/agents/nul-literal', {
        headers: admin,
        body: '{"name":"n","skills":[{"name":"n"}],"labels":{"k":"\\\\u0000"}}',
      });
      expect(literal.status).toBe(201);
      expect(literal.body?.data.labels).toEqual({ k: '\\u0000' });
      expect((await send('GET', '/api/v1/agents/nul-labels', { headers: admin })).status).toBe(404);
      const after = await send('GET', '/api/v1/workflows?type=nul-input', { headers: admin });
      expect(after.body?.data).toEqual(before.body?.data);
    });

    it('a lone surrogate (\\ud800) is refused by field alike: not replaced, not a nameless 400', async () => {
      const cases: Array<[string, string]> = [
        ['{"name":"a\\ud800b","skills":[{"name":"n"}]}', 'name'],
        ['{"name":"n","skills":[{"name":"n"}],"labels":{"k":"\\udc00"}}', 'labels.k'],
      ];
      for (const [body, field] of cases) {
        const answer = await send('PUT', '/api/v1/agents/lone-surrogate', { headers: admin, body });
        expectProblem(answer, 400);
        expect(answer.body?.type).toMatch(/invalid-value$/);
        expect((answer.body?.errors as Array<{ field: string }>).map((e) => e.field)).toEqual([
          field,
        ]);
      }
      // A pair is one character, stored as sent.
      const paired = await send('PUT', '/api/v1/agents/lone-surrogate', {
        headers: admin,
        body: '{"name":"a\\ud83d\\ude00b","skills":[{"name":"n"}]}',
      });
      expect(paired.status).toBe(201);
      expect(paired.body?.data.name).toBe('a\u{1F600}b');
    });

    it('bytes that are not UTF-8 are refused: not stored with U+FFFD in their place', async () => {
      const bodies = [
        Buffer.concat([
          Buffer.from('{"name":"bad'),
          Buffer.from([0xff, 0xfe]),
          Buffer.from('utf8","skills":[{"name":"n"}]}'),
        ]),
        // An encoded surrogate (CESU-8) and an overlong "." are not UTF-8 either.
        Buffer.concat([
          Buffer.from('{"name":"n","skills":[{"name":"n"}],"labels":{"k":"'),
          Buffer.from([0xed, 0xa0, 0x80, 0xc0, 0xae]),
          Buffer.from('"}}'),
        ]),
        // Latin-1 sent as JSON, whatever charset it claims.
        Buffer.concat([
          Buffer.from('{"name":"caf'),
          Buffer.from([0xe9]),
          Buffer.from('","skills":[{"name":"n"}]}'),
        ]),
      ];
      for (const body of bodies) {
        const answer = await send('PUT', '/api/v1/agents/not-utf8', { headers: admin, body });
        expectProblem(answer, 400);
        expect(answer.body?.detail).toMatch(/UTF-8/);
      }
      const latin1 = await send('PUT', '/api/v1/agents/not-utf8', {
        headers: { ...admin, 'content-type': 'application/json; charset=iso-8859-1' },
        body: bodies[2],
      });
      expectProblem(latin1, 400);
      expect((await send('GET', '/api/v1/agents/not-utf8', { headers: admin })).status).toBe(404);
    });

    it('a number past the largest double (1e400) is refused by field: not stored as null', async () => {
      const cases: Array<[string, string[]]> = [
        ['{"name":"n","skills":[{"name":"n"}],"labels":{"k":1e400}}', ['labels.k']],
        ['{"name":"n","skills":[{"name":"n"}],"labels":{"a":[1,-2E+999]}}', ['labels.a[1]']],
        [`{"name":"n","skills":[{"name":"n"}],"labels":{"k":${'9'.repeat(400)}}}`, ['labels.k']],
      ];
      for (const [body, fields] of cases) {
        const answer = await send('PUT', '/api/v1/agents/huge-number', { headers: admin, body });
        expectProblem(answer, 400);
        expect(answer.body?.type).toMatch(/invalid-value$/);
        expect(answer.body?.errors).toEqual(
          fields.map((field) => ({
            field,
            message: 'must be a finite number: this one is past the largest (about 1.8e308)',
          })),
        );
      }
      expect((await send('GET', '/api/v1/agents/huge-number', { headers: admin })).status).toBe(
        404,
      );
      // The largest finite ones, and text that only looks like an exponent, are kept as sent.
      const kept = await send('PUT', '/api/v1/agents/huge-number', {
        headers: admin,
        body: '{"name":"e1000","skills":[{"name":"n"}],"labels":{"k":1.7e308,"t":"1e400"}}',
      });
      expect(kept.status).toBe(201);
      expect(kept.body?.data.labels).toEqual({ k: 1.7e308, t: '1e400' });
    });

    it('in a query filter, is a 400 that says so', async () => {
      const answer = await send('GET', '/api/v1/agents?q=a%00b', { headers: admin });
      expectProblem(answer, 400);
      expect(answer.body?.detail).toContain('NUL');
    });
  });

  describe('a client that hangs up', () => {
    it('a client that closes before its body arrived is no database outage: none logged', async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn');
      try {
        const partial = '{"name":"gone","skills":[';
        const socket = connect(port, '127.0.0.1');
        await new Promise((done) => socket.once('connect', done));
        socket.write(
          `POST /api/v1/agents HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${ADMIN_KEY}\r\n` +
            `Content-Type: application/json\r\nContent-Length: ${partial.length + 50}\r\n\r\n${partial}`,
        );
        await new Promise((done) => setTimeout(done, 100));
        socket.destroy();
        await new Promise((done) => setTimeout(done, 300));
        // The read's failure (ECONNRESET, "aborted") was taken for the database's: any client
        // hanging up mid-body made the log say the database was unavailable.
        const said = warn.mock.calls.map((call) => String(call[1]));
        expect(said.filter((line) => /database is unavailable/.test(line))).toEqual([]);
      } finally {
        warn.mockRestore();
      }
    });
  });

  describe('errors raised before routing', () => {
    it('a path that is not valid percent-encoding', async () => {
      const answer = await send('GET', '/api/v1/agents/%E0%A4%A', { headers: admin });
      expectProblem(answer, 400);
      expect(answer.body?.type).toBe('urn:agentmesh:problem:malformed-url');
    });

    it('a path parameter over the router limit', async () => {
      const answer = await send('GET', `/api/v1/agents/${'a'.repeat(5_000)}`, { headers: admin });
      expectProblem(answer, 414);
      expect(answer.text.length).toBeLessThan(2_000);
    });

    it('headers larger than Node accepts', async () => {
      const raw = await sendRaw(
        `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`,
      );
      expect(raw).toMatch(/^HTTP\/1\.1 431 /);
      expect(raw).toMatch(/content-type: application\/problem\+json/i);
      expect(raw).toMatch(/"correlationId":"[0-9a-f-]{36}"/);
    });

    it('bytes that are not HTTP', async () => {
      const raw = await sendRaw('GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n');
      expect(raw).toMatch(/^HTTP\/1\.1 400 /);
      expect(raw).toMatch(/content-type: application\/problem\+json/i);
      expect(raw).toMatch(/"type":"urn:agentmesh:problem:malformed-request"/);
    });
  });

  describe('a cursor of the right shape naming a time that cannot be', () => {
    const cursor = encodeCursor;

    it("an agent's task list refuses it as a cursor this API did not issue", async () => {
      const registered = await send('POST', '/api/v1/agents', {
        headers: admin,
        body: JSON.stringify({
          id: 'cursor-agent',
          name: 'Cursor',
          skills: [{ id: 'c', name: 'C' }],
        }),
      });
      expect(registered.status).toBe(201);
      const id = '01a240ac-81c7-78c3-b689-11e35660f152';
      for (const claimedAt of [
        '2026-01-01 00:00:00+99',
        '2026-01-01 00:00:00-16:00',
        '2026-01-01 00:00:00+01:75',
        '2026-13-01 00:00:00+00',
        '2026-02-31 00:00:00+00',
        '2026-01-01 25:00:00+00',
        '2026-01-01 00:61:00+00',
        '0000-01-01 00:00:00+00',
      ]) {
        const answer = await send(
          'GET',
          `/api/v1/agents/cursor-agent/tasks?cursor=${cursor([claimedAt, id])}`,
          { headers: admin },
        );
        expect([claimedAt, answer.status, answer.body?.type]).toEqual([
          claimedAt,
          400,
          'urn:agentmesh:problem:invalid-cursor',
        ]);
      }
      const good = await send(
        'GET',
        `/api/v1/agents/cursor-agent/tasks?cursor=${cursor(['2026-01-01 00:00:00.5+05:30', id])}`,
        { headers: admin },
      );
      expect([good.status, good.body?.data]).toEqual([200, { tasks: [] }]);
    });
  });

  describe('a time ISO 8601 allows that is no RFC 3339 date-time, or lies outside years 1-9999', () => {
    it('is a 400 naming the field, from every query and body that takes a time', async () => {
      const since = (value: string) => `/api/v1/workflows/summary?since=${value}`;
      const cases: Array<[string, string, string, string?]> = [
        ['GET', '/api/v1/audit?from=2026-W49', 'from'],
        ['GET', '/api/v1/audit?to=2026-W49-1', 'to'],
        ['GET', '/api/v1/audit?from=2026-12', 'from'],
        ['GET', '/api/v1/audit?from=-2026-12-06T17:00:00Z', 'from'],
        ['GET', '/api/v1/audit?from=2026-340', 'from'],
        ['GET', '/a2a/v1/tasks?statusTimestampAfter=2026-W49', 'statusTimestampAfter'],
        ['GET', since('2026-12'), 'since'],
        ['GET', since('2026-W49'), 'since'],
        [
          'POST',
          '/api/v1/api-keys',
          'expiresAt',
          JSON.stringify({ name: 'k', scopes: ['agents:read'], expiresAt: '2026-W52' }),
        ],
        [
          'POST',
          '/api/v1/api-keys',
          'expiresAt',
          // Year 10000 in UTC: answered as +010000-01-01T00:59:59.000Z, which RFC 3339 is not.
          JSON.stringify({
            name: 'k',
            scopes: ['agents:read'],
            expiresAt: '9999-12-31T23:59:59-01:00',
          }),
        ],
      ];
      for (const [method, path, field, body] of cases) {
        const answer = await send(method, path, { headers: admin, body });
        expectProblem(answer, 400);
        expect([path, answer.body?.errors]).toEqual([
          path,
          [{ field, message: expect.stringContaining(field) }],
        ]);
      }
      // A date alone is midnight UTC, as before; an offset without its colon is read too.
      for (const path of [
        '/api/v1/audit?from=2026-12-01',
        '/api/v1/audit?from=2026-12-01T05:30:00%2B0530',
      ])
        expect([path, (await send('GET', path, { headers: admin })).status]).toEqual([path, 200]);
      const keys = await send('GET', '/api/v1/api-keys?limit=200', { headers: admin });
      expect(keys.body?.data.apiKeys.map((key: Json) => key.name)).not.toContain('k');
    });
  });

  describe('an explicit null for a field a step or run may leave out', () => {
    const post = (path: string, body: unknown) =>
      send('POST', path, { headers: admin, body: JSON.stringify(body) });
    const definition = (key: string, steps: unknown[], extra: Json = {}) =>
      post('/api/v1/workflow-definitions', { key, steps, ...extra });

    it('is read as left out: a 400 naming what is then missing, or as if not given', async () => {
      const refused: Array<[string, unknown[], string]> = [
        ['null-skill', [{ key: 'a', skill: null }], 'a task step needs a skill'],
        [
          'null-seconds',
          [{ key: 'a', kind: 'sleep', seconds: null }],
          'a sleep step needs seconds or until',
        ],
        [
          'null-until',
          [{ key: 'a', kind: 'sleep', until: null }],
          'a sleep step needs seconds or until',
        ],
        [
          'null-signal',
          [{ key: 'a', kind: 'wait', signal: null, timeoutSeconds: 60 }],
          'a wait step needs a signal or an event',
        ],
      ];
      for (const [key, steps, message] of refused) {
        for (const answer of [
          await definition(key, steps),
          await post('/api/v1/workflows', { type: key, steps }),
        ]) {
          expectProblem(answer, 400);
          expect(answer.body?.errors).toEqual([
            expect.objectContaining({
              field: 'steps[0].' + (key === 'null-until' ? 'seconds' : key.slice(5)),
              message,
            }),
          ]);
        }
      }
      // Left out, these change nothing: the definition is what it is without them.
      const accepted = await definition(
        'null-optional',
        [
          {
            key: 'a',
            skill: 'nulls',
            forEach: null,
            rateLimit: null,
            routing: null,
            retryBackoff: { initialSeconds: null, factor: null, maxSeconds: null },
          },
          { key: 'w', kind: 'wait', signal: 'go', event: null, timeoutSeconds: 60 },
        ],
        { onFinish: null, concurrency: null, triggers: null, routing: null },
      );
      expect(accepted.status).toBe(201);
      const plain = await definition('null-optional-plain', [
        { key: 'a', skill: 'nulls' },
        { key: 'w', kind: 'wait', signal: 'go', timeoutSeconds: 60 },
      ]);
      expect(accepted.body?.data.steps).toEqual(plain.body?.data.steps);
      const run = await post('/api/v1/workflows', { definitionKey: 'null-optional' });
      expect(run.status).toBe(201);
      // A run request's null fields likewise.
      expectProblem(await post('/api/v1/workflows', { definitionKey: null }), 400);
      expectProblem(await post('/api/v1/workflows', { type: 'x', steps: null }), 400);
      expectProblem(await post('/api/v1/workflows', { type: null, steps: null }), 400);
    });
  });

  describe('every operation of the OpenAPI document, fed malformed input', () => {
    const badParams = ['%E0%A4%A', 'a'.repeat(3_000), '%00', '..%2F..%2Fetc', '%F0%9F%98%80x'];
    const badBodies = [
      '[]',
      '"text"',
      'null',
      '{"__proto__":{"admin":true}}',
      '{"constructor":{"prototype":{}}}',
      nested(300),
      '{',
      '{"a":"\\ud800"}',
      JSON.stringify({ key: 'x'.repeat(10_000), name: 1, scopes: 'x', steps: {}, url: 'x' }),
    ];
    const badQueries = [
      '?limit=abc',
      '?limit=-1',
      '?limit=1e9',
      '?cursor=%FF%FE',
      '?cursor=eyJhIjoxfQ',
      '?status=%00&type[]=x',
      `?from=${'9'.repeat(40)}&to=x&since=yesterday`,
    ];

    it('answers every case below 500, errors as problem+json', async () => {
      const document = await send('GET', '/docs-json');
      expect(document.status).toBe(200);
      const paths = document.body?.paths as Record<string, Record<string, Json>>;
      const failures: string[] = [];
      let cases = 0;
      const check = async (method: string, path: string, body?: string) => {
        cases += 1;
        const answer = await send(method, path, { headers: admin, body });
        const problem =
          answer.status >= 400 &&
          (!/^application\/problem\+json/.test(answer.type) || !answer.body?.correlationId);
        if (answer.status >= 500 || problem) {
          failures.push(
            `${method} ${path.slice(0, 120)} ${body?.slice(0, 60) ?? ''} → ${answer.status} ${answer.type}`,
          );
        }
      };
      for (const [template, operations] of Object.entries(paths)) {
        for (const method of Object.keys(operations)) {
          const verb = method.toUpperCase();
          const hasParams = template.includes('{');
          for (const bad of hasParams ? badParams : []) {
            await check(verb, template.replace(/\{[^}]+\}/g, bad));
          }
          const concrete = template.replace(/\{[^}]+\}/g, () => crypto.randomUUID());
          if (verb === 'GET') {
            for (const query of badQueries) await check(verb, concrete + query);
          } else {
            for (const body of badBodies) await check(verb, concrete, body);
          }
        }
      }
      expect(cases).toBeGreaterThan(300);
      expect(failures).toEqual([]);
    });
  });
});
