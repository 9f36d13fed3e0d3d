import { startTestApp, TestApp } from './utils/test-app';

const PROBLEM_KEYS = ['type', 'title', 'status', 'detail', 'instance', 'correlationId'];

function expectProblem(
  response: { status: number; headers: Record<string, string>; body: unknown },
  status: number,
) {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = response.body as Record<string, unknown>;
  for (const key of PROBLEM_KEYS) expect(body).toHaveProperty(key);
  expect(body.status).toBe(status);
  expect(body.correlationId).toBe(response.headers['x-request-id']);
  expect(JSON.stringify(body)).not.toMatch(/at .+\.(js|ts):\d+/);
  return body;
}

describe('platform: correlation ids, problems, docs, metrics', () => {
  let test: TestApp;

  beforeAll(async () => {
    test = await startTestApp({ BODY_LIMIT_BYTES: '2048' });
  });

  afterAll(async () => {
    await test.close();
  });

  describe('correlation id', () => {
    it('echoes a valid X-Request-Id', async () => {
      const response = await test.http.get('/health/live').set('x-request-id', 'abc.DEF_1:2-3');
      expect(response.status).toBe(200);
      expect(response.headers['x-request-id']).toBe('abc.DEF_1:2-3');
    });

    it.each([
      ['too long', 'a'.repeat(129)],
      ['bad characters', 'abc def<script>'],
      ['empty', ''],
    ])('replaces an invalid one (%s) with a UUID', async (_label, value) => {
      const response = await test.http.get('/health/live').set('x-request-id', value);
      expect(response.headers['x-request-id']).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
    });

    it('accepts exactly 128 characters', async () => {
      const id = 'x'.repeat(128);
      const response = await test.http.get('/health/live').set('x-request-id', id);
      expect(response.headers['x-request-id']).toBe(id);
    });

    it('generates one when absent and puts it in problem bodies', async () => {
      const response = await test.http.get('/api/v1/nothing-here');
      const body = expectProblem(response, 404);
      expect(body.instance).toBe('/api/v1/nothing-here');
    });

    it('carries the client id into problem bodies', async () => {
      const response = await test.http.get('/api/v1/nothing-here').set('x-request-id', 'trace-42');
      expect(expectProblem(response, 404).correlationId).toBe('trace-42');
    });
  });

  describe('problem+json', () => {
    it('unknown route: 404', async () => {
      expectProblem(await test.http.delete('/no/such/route'), 404);
    });

    it('a path that exists, asked with a method it does not answer: 405 naming the ones it does', async () => {
      const response = await test.http.delete('/api/v1/tenants').set(test.admin);
      const body = expectProblem(response, 405);
      expect(body.type).toBe('urn:agentmesh:problem:method-not-allowed');
      expect(response.headers.allow).toBe('GET, HEAD, POST');
      expect(body.detail).toBe('This path answers GET, HEAD, POST, not DELETE.');
      // With a path parameter and a query string alike; an unknown path stays 404.
      const agent = await test.http.post('/api/v1/agents/some-agent?x=1').set(test.admin);
      expectProblem(agent, 405);
      expect(agent.headers.allow).toContain('PUT');
      expectProblem(await test.http.put('/api/v1/no-such-things/1').set(test.admin), 404);
      // A route that answers the method and finds nothing (the docs' static files) stays 404.
      for (const method of ['get', 'head'] as const) {
        const missing = await test.http[method]('/docs/no-such-file');
        expect(missing.status).toBe(404);
        expect(missing.headers.allow).toBeUndefined();
      }
    });

    it('no key: 401 with WWW-Authenticate', async () => {
      const response = await test.http.get('/api/v1/tenants');
      expectProblem(response, 401);
      expect(response.headers['www-authenticate']).toBe('Bearer');
    });

    it('validation: 400 listing every bad field, unknown fields rejected', async () => {
      const response = await test.http
        .post('/api/v1/tenants')
        .set(test.admin)
        .send({ id: 'Not A Slug', name: '', extra: true });
      const body = expectProblem(response, 400);
      const fields = (body.errors as Array<{ field: string }>).map((error) => error.field).sort();
      expect(fields).toEqual(['extra', 'id', 'name']);
    });

    it('validation: a value of the wrong kind is named as such, not by what is inside it', async () => {
      const errors = async (path: string, body: unknown) => {
        const response = await test.http
          .post(`/api/v1${path}`)
          .set(test.admin)
          .send(body as object);
        return expectProblem(response, 400).errors as Array<{ field: string; message: string }>;
      };
      // An object where the list of steps belongs: one error, not its keys as unknown fields.
      expect(await errors('/workflow-definitions', { key: 'kinds', steps: { a: 1 } })).toEqual([
        { field: 'steps', message: 'steps must be an array' },
      ]);
      // A string where a skill object belongs.
      expect(await errors('/agents', { id: 'kinds', name: 'k', skills: ['a'] })).toEqual([
        { field: 'skills[0]', message: 'skills[0] must be an object' },
      ]);
      // A list where a step's retry backoff object belongs, empty or not: one error, nothing
      // stored (an empty one used to pass as the default backoff).
      for (const retryBackoff of [[], [1, 2]]) {
        const steps = [{ key: 'a', skill: 'kinds', retryBackoff }];
        const refused = [
          { field: 'steps[0].retryBackoff', message: 'retryBackoff must be an object' },
        ];
        expect(await errors('/workflow-definitions', { key: 'kinds', steps })).toEqual(refused);
        expect(await errors('/workflows', { type: 'kinds', steps })).toEqual(refused);
      }
      expect(
        (await test.http.get('/api/v1/workflow-definitions/kinds').set(test.admin)).status,
      ).toBe(404);
      // A string where an AgentCard's list of skills belongs.
      expect(
        await errors('/agents/import', {
          card: { name: 'kinds', url: 'https://agent.example', skills: 'nope' },
        }),
      ).toEqual([{ field: 'card.skills', message: 'skills must be an array' }]);
      // A body sent to a route that takes none: its fields are unknown, anything else is refused
      // as such, before the route looks for what it names ({} or no body at all is none).
      const id = '01938d52-3c8e-7e37-9b2c-0f8f3c1f0c33';
      const bodyless: Array<[string, string]> = [
        ['post', '/workflow-definitions/no-such/pause'],
        ['post', `/workflows/${id}/cancel`],
        ['post', `/webhooks/deliveries/${id}/retry`],
        ['delete', `/api-keys/${id}`],
      ];
      for (const [method, path] of bodyless) {
        const send = (body?: unknown) => {
          const request = test.http[method as 'post' | 'delete'](`/api/v1${path}`).set(test.admin);
          return body === undefined ? request : request.send(body as object);
        };
        const unknown = await send({ reason: 'x', force: true });
        expect(expectProblem(unknown, 400).errors).toEqual([
          { field: 'reason', message: 'reason is not a known field' },
          { field: 'force', message: 'force is not a known field' },
        ]);
        expect(expectProblem(await send([1]), 400).errors).toEqual([
          { field: 'body', message: 'this route takes no body: send none, or {}' },
        ]);
        expect((await send({})).status).toBe(404);
        expect((await send()).status).toBe(404);
      }
      // A list where the body's object belongs.
      expect(await errors('/tenants', [{ id: 'kinds', name: 'k' }])).toEqual([
        { field: 'body', message: 'body must be a JSON object, not an array' },
      ]);
      expect((await test.http.get('/api/v1/tenants/kinds').set(test.admin)).status).toBe(404);
    });

    it('malformed JSON: 400', async () => {
      const response = await test.http
        .post('/api/v1/tenants')
        .set(test.admin)
        .set('content-type', 'application/json')
        .send('{"id": "x",');
      expect(expectProblem(response, 400).type).toBe('urn:agentmesh:problem:malformed-body');
    });

    it('a "__proto__" key: 400 saying so, not that the JSON is malformed', async () => {
      const response = await test.http
        .post('/api/v1/tenants')
        .set(test.admin)
        .set('content-type', 'application/json')
        .send('{"id": "proto", "name": "p", "__proto__": {"admin": true}}');
      const body = expectProblem(response, 400);
      expect(body.type).toBe('urn:agentmesh:problem:malformed-body');
      expect(body.detail).toMatch(/__proto__/);
      expect(body.detail).not.toMatch(/not valid JSON/);
      expect((await test.http.get('/api/v1/tenants/proto').set(test.admin)).status).toBe(404);
    });

    it('an empty JSON body is answered as no body at all', async () => {
      const empty = await test.http
        .post('/api/v1/tenants')
        .set(test.admin)
        .set('content-type', 'application/json')
        .send('');
      const none = await test.http.post('/api/v1/tenants').set(test.admin);
      expect(empty.status).toBe(none.status);
      expect(empty.body).toEqual({
        ...none.body,
        instance: empty.body.instance,
        correlationId: empty.body.correlationId,
      });
    });

    it('body over BODY_LIMIT_BYTES: 413', async () => {
      const response = await test.http
        .post('/api/v1/tenants')
        .set(test.admin)
        .send({ id: 'big', name: 'x'.repeat(4096) });
      expectProblem(response, 413);
      // It says how much the route takes, and which setting says so.
      expect(response.body.detail).toBe(
        `The body is larger than the ${test.config.bodyLimitBytes} bytes this route takes (BODY_LIMIT_BYTES).`,
      );
    });

    it('a non-object body is a 400, not a 500', async () => {
      const response = await test.http
        .post('/api/v1/tenants')
        .set(test.admin)
        .set('content-type', 'application/json')
        .send('[1,2,3]');
      expectProblem(response, 400);
    });

    it('pagination bounds: limit outside 1-200, not written in digits, and a forged cursor are 400', async () => {
      for (const query of [
        'limit=0',
        'limit=201',
        'limit=abc',
        // Number() reads these as 2, 2, 5, 1 and 0: a limit is written in decimal digits.
        'limit=0x2',
        'limit=2e0',
        'limit=%20%205',
        'limit=1.0',
        'limit=',
        'limit=1&limit=2',
        'cursor=%%%',
        'cursor=WzFd',
        'cursor=bm90LWpzb24',
      ]) {
        const response = await test.http.get(`/api/v1/tenants?${query}`).set(test.admin);
        expectProblem(response, 400);
      }
    });
  });

  describe('security headers', () => {
    it('sets helmet headers and no CORS by default', async () => {
      const response = await test.http.get('/health/live').set('origin', 'https://evil.example');
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  describe('docs', () => {
    it('serves the OpenAPI document with the problem schema and both key schemes', async () => {
      const response = await test.http.get('/docs-json');
      expect(response.status).toBe(200);
      expect(response.body.openapi).toMatch(/^3\./);
      expect(response.body.components.schemas.ProblemDto).toBeDefined();
      expect(Object.keys(response.body.components.securitySchemes).sort()).toEqual([
        'apiKey',
        'bearer',
      ]);
      expect(response.body.paths['/api/v1/tenants'].post['x-required-scopes']).toEqual(['*']);
    });

    it('documents the success answer of every operation (generated clients type it)', async () => {
      const document = (await test.http.get('/docs-json')).body as {
        paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
      };
      const undocumented: string[] = [];
      for (const [path, operations] of Object.entries(document.paths)) {
        for (const [method, operation] of Object.entries(operations)) {
          const codes = Object.keys(operation.responses ?? {});
          if (!codes.some((code) => /^2\d\d$/.test(code))) {
            undocumented.push(`${method.toUpperCase()} ${path}`);
          }
        }
      }
      expect(undocumented).toEqual([]);
    });

    it('documents the conflicts of operations that answer 409', async () => {
      const document = (await test.http.get('/docs-json')).body as {
        paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
      };
      // schedule-exhausted (a one-shot schedule that fired), too-many-secrets (past the live
      // secrets an endpoint or source may have).
      const conflicts = [
        ['patch', '/api/v1/schedules/{key}'],
        ['post', '/api/v1/schedules/{key}/resume'],
        ['post', '/api/v1/webhooks/endpoints/{id}/rotate-secret'],
        ['post', '/api/v1/webhooks/sources/{key}/rotate-secret'],
      ];
      const missing = conflicts.filter(
        ([method, path]) => !document.paths[path]?.[method]?.responses?.['409'],
      );
      expect(missing).toEqual([]);
    });

    it('documents what every JSON-body operation may answer: 413 and 415', async () => {
      type Operation = {
        requestBody?: { content?: Record<string, unknown> };
        responses?: Record<string, unknown>;
      };
      const document = (await test.http.get('/docs-json')).body as {
        paths: Record<string, Record<string, Operation>>;
      };
      const missing: string[] = [];
      let checked = 0;
      for (const [path, operations] of Object.entries(document.paths)) {
        for (const [method, operation] of Object.entries(operations)) {
          if (!operation.requestBody?.content?.['application/json']) continue;
          checked += 1;
          for (const code of ['413', '415']) {
            if (!operation.responses?.[code])
              missing.push(`${code} ${method.toUpperCase()} ${path}`);
          }
        }
      }
      expect(checked).toBeGreaterThan(20);
      expect(missing).toEqual([]);
      // As answered: a body sent as text/plain to a JSON route.
      const refused = await test.http
        .post('/api/v1/workflows')
        .set(test.admin)
        .set('content-type', 'text/plain')
        .send('x');
      expect(refused.status).toBe(415);
    });

    it('documents X-Tenant-Id on the operations a platform admin may run in another tenant', async () => {
      type Operation = {
        security?: unknown[];
        parameters?: Array<{ name: string; in: string; required?: boolean }>;
        responses?: Record<string, unknown>;
      };
      const document = (await test.http.get('/docs-json')).body as {
        paths: Record<string, Record<string, Operation>>;
      };
      const missing: string[] = [];
      for (const [path, operations] of Object.entries(document.paths)) {
        if (!path.startsWith('/api/v1/')) continue;
        for (const [method, operation] of Object.entries(operations)) {
          if (!operation.security?.length) continue;
          const header = operation.parameters?.find(
            (parameter) => parameter.in === 'header' && parameter.name === 'X-Tenant-Id',
          );
          if (!header || header.required || !operation.responses?.['404'])
            missing.push(`${method.toUpperCase()} ${path}`);
        }
      }
      expect(missing).toEqual([]);
      const document2 = (await test.http.get('/docs-json')).body as {
        components: { securitySchemes: Record<string, { bearerFormat?: string }> };
      };
      // Keys are opaque strings, not JWTs.
      expect(document2.components.securitySchemes.bearer.bearerFormat).not.toBe('JWT');
    });

    it('serves Swagger UI', async () => {
      const response = await test.http.get('/docs');
      expect(response.status).toBe(200);
      expect(response.text).toContain('swagger-ui');
    });
  });

  describe('metrics', () => {
    it('counts requests by route template, never the raw URL', async () => {
      await test.http.get('/api/v1/api-keys/00000000-0000-4000-8000-000000000000').set(test.admin);
      const response = await test.http.get('/metrics');
      expect(response.status).toBe(200);
      expect(response.text).toContain('process_cpu_user_seconds_total');
      expect(response.text).toMatch(
        /http_requests_total\{method="GET",route="\/api\/v1\/api-keys\/:id",status_code="404"\} \d+/,
      );
      expect(response.text).toContain('http_request_duration_seconds_bucket');
      expect(response.text).not.toContain('00000000-0000-4000-8000-000000000000');
      expect(response.text).toMatch(/^audit_unsealed_entries \d+$/m);
      expect(response.text).toMatch(/^audit_oldest_unsealed_age_seconds [\d.e+-]+$/m);
    });

    it('counts refusals by reason', async () => {
      await test.http.get('/api/v1/tenants');
      const response = await test.http.get('/metrics');
      expect(response.text).toMatch(/http_denied_total\{reason="missing_credentials"\} \d+/);
    });
  });
});

describe('metrics allowlist', () => {
  let test: TestApp;

  beforeAll(async () => {
    test = await startTestApp({ METRICS_ALLOWED_CIDRS: '203.0.113.0/24' });
  });

  afterAll(async () => {
    await test.close();
  });

  it('refuses addresses outside METRICS_ALLOWED_CIDRS with a 403 problem', async () => {
    const response = await test.http.get('/metrics');
    expect(response.status).toBe(403);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
