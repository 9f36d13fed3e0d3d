import { DataSource } from 'typeorm';
import { SCOPES } from '../src/auth/scopes';
import { createTestDatabase, TestDatabase } from './utils/databases';
import { waitFor } from './utils/spawn-app';
import { createKey, startTestApp, TestApp } from './utils/test-app';

interface Operation {
  method: string;
  path: string;
  scopes: string[] | undefined;
}

const SAMPLE_ID = '00000000-0000-4000-8000-000000000000';
// The probes, and the inbound webhook receivers (authenticated by signature, not by key).
const PUBLIC_PATHS = new Set([
  '/health/live',
  '/health/ready',
  '/api/v1/hooks/github',
  `/api/v1/hooks/${SAMPLE_ID}`,
]);

async function documentedOperations(test: TestApp): Promise<Operation[]> {
  const document = (await test.http.get('/docs-json')).body as {
    paths: Record<string, Record<string, { 'x-required-scopes'?: string[] }>>;
  };
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method,
      path: path.replace(/\{[^}]+\}/g, SAMPLE_ID),
      scopes: operation['x-required-scopes'],
    })),
  );
}

function send(test: TestApp, operation: Operation, headers: Record<string, string>) {
  const method = operation.method as 'get' | 'post' | 'put' | 'patch' | 'delete';
  if (operation.path.endsWith('/stream')) {
    // A live stream answers its status, then never ends: read the status and hang up.
    return test.http
      .get(operation.path)
      .set(headers)
      .buffer(false)
      .parse((res, done) => {
        (res as unknown as { destroy(): void }).destroy();
        done(null, undefined);
      });
  }
  return test.http[method](operation.path).set(headers).send({});
}

describe('auth: every route is guarded', () => {
  let test: TestApp;
  let operations: Operation[];

  beforeAll(async () => {
    // Failed authentications are limited per address (30 a minute): each operation below
    // comes from its own address through a trusted proxy.
    test = await startTestApp({ TRUST_PROXY: '127.0.0.0/8,::1' });
    operations = await documentedOperations(test);
  });

  afterAll(async () => {
    await test.close();
  });

  it('documents scopes for every operation except the public probes', () => {
    expect(operations.length).toBeGreaterThan(5);
    for (const operation of operations) {
      if (PUBLIC_PATHS.has(operation.path)) continue;
      expect({ ...operation, scopes: operation.scopes?.length ?? 0 }).toEqual({
        ...operation,
        scopes: expect.any(Number),
      });
      expect(operation.scopes?.length).toBeGreaterThan(0);
    }
  });

  it('answers 401 without a key and with a bogus key on every non-public operation', async () => {
    for (const [index, operation] of operations.entries()) {
      if (PUBLIC_PATHS.has(operation.path)) continue;
      const from = { 'x-forwarded-for': `198.51.100.${index % 250}` };
      const anonymous = await send(test, operation, from);
      const bogus = await send(test, operation, {
        ...from,
        authorization: 'Bearer amk_not-a-real-key',
      });
      const viaHeader = await send(test, operation, { ...from, 'x-api-key': 'amk_not-a-real-key' });
      expect([
        operation.method,
        operation.path,
        anonymous.status,
        bogus.status,
        viaHeader.status,
      ]).toEqual([operation.method, operation.path, 401, 401, 401]);
    }
  });

  it('scope matrix: a key without the scope gets 403, a key with it gets through', async () => {
    const keys = new Map<string, string>();
    for (const scope of SCOPES)
      keys.set(scope, (await createKey(test, { scopes: [scope] })).authorization);
    for (const operation of operations) {
      if (!operation.scopes) continue;
      for (const scope of SCOPES) {
        const response = await send(test, operation, { authorization: keys.get(scope)! });
        const allowed = operation.scopes.includes(scope);
        const verdict = allowed
          ? response.status !== 401 && response.status !== 403
          : response.status === 403;
        expect({
          operation: `${operation.method} ${operation.path}`,
          scope,
          status: response.status,
          verdict,
        }).toEqual({
          operation: `${operation.method} ${operation.path}`,
          scope,
          status: response.status,
          verdict: true,
        });
      }
    }
  });
});

describe('auth: keys', () => {
  let test: TestApp;

  beforeAll(async () => {
    test = await startTestApp();
  });

  afterAll(async () => {
    await test.close();
  });

  it('shows the key once, stores only its hash, lists without it', async () => {
    const created = await test.http
      .post('/api/v1/api-keys')
      .set(test.admin)
      .send({ name: 'reader', scopes: ['keys:admin'] });
    expect(created.status).toBe(201);
    const key = created.body.data.key as string;
    expect(key).toMatch(/^amk_[A-Za-z0-9_-]{43}$/);
    expect(created.body.data.prefix).toBe(key.slice(0, 12));
    expect(created.headers['cache-control']).toBe('no-store');

    const listed = await test.http.get('/api/v1/api-keys').set(test.admin);
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body)).not.toContain(key);
    expect(JSON.stringify(listed.body)).not.toContain('hash');
    const rows: Array<{ key_hash: string }> = await test.app
      .get(DataSource)
      .query('SELECT key_hash FROM api_keys WHERE id = $1', [created.body.data.id]);
    expect(rows[0].key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0].key_hash).not.toContain(key);

    expect((await test.http.get('/api/v1/api-keys').set('x-api-key', key)).status).toBe(200);
  });

  it('paginates with an opaque cursor', async () => {
    for (let i = 0; i < 3; i += 1)
      await createKey(test, { name: `page-${i}`, scopes: ['agents:read'] });
    const seen = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
      const response = await test.http.get(`/api/v1/api-keys${query}`).set(test.admin);
      expect(response.status).toBe(200);
      for (const key of response.body.data.apiKeys as Array<{ id: string }>) {
        expect(seen.has(key.id)).toBe(false);
        seen.add(key.id);
      }
      cursor = response.body.meta.nextCursor as string | null;
      pages += 1;
    } while (cursor && pages < 50);
    expect(seen.size).toBeGreaterThanOrEqual(4);
    expect(pages).toBeGreaterThan(1);
  });

  it('revocation takes effect at once', async () => {
    const { id, authorization } = await createKey(test, { scopes: ['keys:admin'] });
    expect((await test.http.get('/api/v1/api-keys').set({ authorization })).status).toBe(200);
    expect((await test.http.delete(`/api/v1/api-keys/${id}`).set(test.admin)).status).toBe(204);
    expect((await test.http.get('/api/v1/api-keys').set({ authorization })).status).toBe(401);
    expect((await test.http.delete(`/api/v1/api-keys/${id}`).set(test.admin)).status).toBe(204);
  });

  it('rotation keeps the old key for the overlap, then only the new one works', async () => {
    const { id, authorization } = await createKey(test, { scopes: ['keys:admin'] });
    const rotated = await test.http
      .post(`/api/v1/api-keys/${id}/rotate`)
      .set(test.admin)
      .send({ overlapSeconds: 1 });
    expect(rotated.status).toBe(201);
    const fresh = `Bearer ${rotated.body.data.key as string}`;
    expect(rotated.body.data.scopes).toEqual(['keys:admin']);
    expect(rotated.headers['cache-control']).toBe('no-store');
    expect((await test.http.get('/api/v1/api-keys').set({ authorization })).status).toBe(200);
    expect((await test.http.get('/api/v1/api-keys').set({ authorization: fresh })).status).toBe(
      200,
    );
    await new Promise((done) => setTimeout(done, 1_200));
    expect((await test.http.get('/api/v1/api-keys').set({ authorization })).status).toBe(401);
    expect((await test.http.get('/api/v1/api-keys').set({ authorization: fresh })).status).toBe(
      200,
    );
  });

  it('a key already rotated, or expired, is not rotated again: its successor is, and the chain stays whole', async () => {
    const { id } = await createKey(test, { scopes: ['keys:admin'] });
    const rotate = (keyId: string, body: object = {}) =>
      test.http.post(`/api/v1/api-keys/${keyId}/rotate`).set(test.admin).send(body);
    const first = await rotate(id, { overlapSeconds: 0 });
    expect(first.status).toBe(201);
    const successor = first.body.data.id as string;

    for (const overlapSeconds of [0, 3600]) {
      const again = await rotate(id, { overlapSeconds });
      expect(again.status).toBe(409);
      expect(again.body.type).toMatch(/api-key-rotated$/);
      expect(again.body.detail).toContain(successor);
    }
    const old = (await test.http.get(`/api/v1/api-keys/${id}`).set(test.admin)).body.data as {
      rotatedTo: string | null;
    };
    expect(old.rotatedTo).toBe(successor);

    // The successor rotates as any key does.
    const next = await rotate(successor);
    expect(next.status).toBe(201);
    const works = await test.http
      .get('/api/v1/api-keys')
      .set({ authorization: `Bearer ${next.body.data.key as string}` });
    expect(works.status).toBe(200);

    // A key past its expiry is not rotated either: its successor would be born expired.
    const brief = await createKey(test, {
      scopes: ['keys:admin'],
      expiresAt: new Date(Date.now() + 500).toISOString(),
    });
    await new Promise((done) => setTimeout(done, 700));
    const expired = await rotate(brief.id);
    expect(expired.status).toBe(409);
    expect(expired.body.type).toMatch(/api-key-expired$/);
  });

  it('expired keys get 401; a past expiresAt is refused', async () => {
    const past = await test.http
      .post('/api/v1/api-keys')
      .set(test.admin)
      .send({ name: 'old', scopes: ['keys:admin'], expiresAt: '2001-01-01T00:00:00Z' });
    expect(past.status).toBe(400);
    // Its own problem type: invalid-key is the 401 of a key that does not authenticate.
    expect(past.body.type).toMatch(/invalid-expiry$/);
    expect(past.body.errors).toEqual([{ field: 'expiresAt', message: expect.any(String) }]);
    // Not a date (rolled over to 2 March), no zone (the server's own), a number (epoch ms).
    for (const expiresAt of ['2030-02-30T00:00:00Z', '2030-01-01T00:00:00', 12345]) {
      const refused = await test.http
        .post('/api/v1/api-keys')
        .set(test.admin)
        .send({ name: 'odd', scopes: ['keys:admin'], expiresAt });
      expect([expiresAt, refused.status, refused.body.errors?.[0]?.field]).toEqual([
        expiresAt,
        400,
        'expiresAt',
      ]);
    }
    const soon = new Date(Date.now() + 1_000).toISOString();
    const created = await test.http
      .post('/api/v1/api-keys')
      .set(test.admin)
      .send({ name: 'brief', scopes: ['keys:admin'], expiresAt: soon });
    expect(created.status).toBe(201);
    const authorization = `Bearer ${created.body.data.key as string}`;
    expect((await test.http.get('/api/v1/api-keys').set({ authorization })).status).toBe(200);
    await new Promise((done) => setTimeout(done, 1_200));
    expect((await test.http.get('/api/v1/api-keys').set({ authorization })).status).toBe(401);
  });

  it('refuses bad key requests with 400 and never grants "*" from a tenant admin', async () => {
    const bad = await test.http
      .post('/api/v1/api-keys')
      .set(test.admin)
      .send({ name: 'x', scopes: ['root'] });
    expect(bad.status).toBe(400);
    const empty = await test.http
      .post('/api/v1/api-keys')
      .set(test.admin)
      .send({ name: 'x', scopes: [] });
    expect(empty.status).toBe(400);
    const tenantAdmin = await createKey(test, { scopes: ['keys:admin'] });
    const escalate = await test.http
      .post('/api/v1/api-keys')
      .set({ authorization: tenantAdmin.authorization })
      .send({ name: 'x', scopes: ['*'] });
    expect(escalate.status).toBe(403);
  });

  it('ADMIN_API_KEY cannot be revoked through the API', async () => {
    const keys = await test.http.get('/api/v1/api-keys?limit=200').set(test.admin);
    const admin = (keys.body.data.apiKeys as Array<{ id: string; scopes: string[] }>).find((key) =>
      key.scopes.includes('*'),
    );
    expect(admin).toBeDefined();
    expect((await test.http.delete(`/api/v1/api-keys/${admin!.id}`).set(test.admin)).status).toBe(
      409,
    );
  });
});

describe('auth: tenants', () => {
  let test: TestApp;
  let acmeAdmin: string;

  beforeAll(async () => {
    test = await startTestApp();
    expect(
      (await test.http.post('/api/v1/tenants').set(test.admin).send({ id: 'acme', name: 'Acme' }))
        .status,
    ).toBe(201);
    acmeAdmin = (await createKey(test, { scopes: ['keys:admin'], tenantId: 'acme' })).authorization;
  });

  afterAll(async () => {
    await test.close();
  });

  it('lists tenants for platform admins only; duplicates are 409', async () => {
    const listed = await test.http.get('/api/v1/tenants').set(test.admin);
    expect(listed.body.data.tenants.map((tenant: { id: string }) => tenant.id)).toEqual([
      'acme',
      'default',
    ]);
    expect((await test.http.get('/api/v1/tenants').set({ authorization: acmeAdmin })).status).toBe(
      403,
    );
    expect(
      (await test.http.post('/api/v1/tenants').set(test.admin).send({ id: 'acme', name: 'Again' }))
        .status,
    ).toBe(409);
  });

  it('isolates tenants: another tenant cannot read, list, change or detect a key (404)', async () => {
    const defaultKey = await createKey(test, { name: 'default-only', scopes: ['agents:read'] });
    const list = await test.http
      .get('/api/v1/api-keys?limit=200')
      .set({ authorization: acmeAdmin });
    expect(list.status).toBe(200);
    const ids = (list.body.data.apiKeys as Array<{ id: string; tenantId: string }>).map(
      (key) => key.tenantId,
    );
    expect(new Set(ids)).toEqual(new Set(['acme']));
    const asAcme = { authorization: acmeAdmin };
    expect((await test.http.get(`/api/v1/api-keys/${defaultKey.id}`).set(asAcme)).status).toBe(404);
    expect((await test.http.delete(`/api/v1/api-keys/${defaultKey.id}`).set(asAcme)).status).toBe(
      404,
    );
    expect(
      (await test.http.post(`/api/v1/api-keys/${defaultKey.id}/rotate`).set(asAcme).send({}))
        .status,
    ).toBe(404);
    expect((await test.http.get(`/api/v1/api-keys/${defaultKey.id}`).set(test.admin)).status).toBe(
      200,
    );
  });

  it('lets only platform admins switch tenant with X-Tenant-Id', async () => {
    const asAdminInAcme = await test.http
      .get('/api/v1/api-keys')
      .set(test.admin)
      .set('x-tenant-id', 'acme');
    expect(asAdminInAcme.status).toBe(200);
    for (const key of asAdminInAcme.body.data.apiKeys as Array<{ tenantId: string }>)
      expect(key.tenantId).toBe('acme');
    expect(
      (
        await test.http
          .get('/api/v1/api-keys')
          .set({ authorization: acmeAdmin })
          .set('x-tenant-id', 'default')
      ).status,
    ).toBe(403);
    expect(
      (await test.http.get('/api/v1/api-keys').set(test.admin).set('x-tenant-id', 'nope')).status,
    ).toBe(404);
  });

  it('refuses keys for a tenant that does not exist', async () => {
    const response = await test.http
      .post('/api/v1/api-keys')
      .set(test.admin)
      .send({ name: 'x', scopes: ['agents:read'], tenantId: 'ghost' });
    expect(response.status).toBe(404);
  });

  it('a null tenantId is the caller’s own tenant, as a null agentId or expiresAt is no value', async () => {
    const created = await test.http
      .post('/api/v1/api-keys')
      .set({ authorization: acmeAdmin })
      .send({ name: 'nulls', scopes: ['keys:admin'], tenantId: null, agentId: null });
    expect(created.status).toBe(201);
    expect(created.body.data.tenantId).toBe('acme');
  });
});

describe('auth: revocation across replicas', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    a = await startTestApp({}, { db });
    b = await startTestApp({}, { db });
  });

  afterAll(async () => {
    await a.close();
    await b.close();
    await db.drop();
  });

  it('a key revoked on one replica stops working on the other', async () => {
    const { id, authorization } = await createKey(a, { scopes: ['keys:admin'] });
    expect((await b.http.get('/api/v1/api-keys').set({ authorization })).status).toBe(200);
    expect((await a.http.delete(`/api/v1/api-keys/${id}`).set(a.admin)).status).toBe(204);
    await waitFor(
      async () =>
        (await b.http.get('/api/v1/api-keys').set({ authorization })).status === 401
          ? true
          : undefined,
      2_000,
      'the other replica to refuse the revoked key',
    );
  });
});
