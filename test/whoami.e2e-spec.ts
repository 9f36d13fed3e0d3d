import { createKey, startTestApp, type TestApp } from './utils/test-app';

describe('GET /whoami', () => {
  let test: TestApp;

  beforeAll(async () => {
    test = await startTestApp();
  });

  afterAll(async () => {
    await test.close();
  });

  it('tells a key its tenant and scopes, whatever scope it has', async () => {
    const worker = await createKey(test, { scopes: ['tasks:work'] });
    const response = await test.http.get('/api/v1/whoami').set(worker);
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({
      tenantId: 'default',
      keyTenantId: 'default',
      scopes: ['tasks:work'],
      keyId: worker.id,
      agentId: null,
      platformAdmin: false,
    });
  });

  it('shows a platform admin acting in another tenant both tenants', async () => {
    const created = await test.http
      .post('/api/v1/tenants')
      .set(test.admin)
      .send({ id: 'acme', name: 'Acme' });
    expect(created.status).toBe(201);
    const response = await test.http
      .get('/api/v1/whoami')
      .set({ ...test.admin, 'x-tenant-id': 'acme' });
    expect(response.status).toBe(200);
    expect(response.body.data).toMatchObject({
      tenantId: 'acme',
      keyTenantId: 'default',
      scopes: ['*'],
      platformAdmin: true,
    });
  });

  it('answers 401 without a key and 403 when a tenant key names another tenant', async () => {
    const anonymous = await test.http.get('/api/v1/whoami');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['content-type']).toMatch(/problem\+json/);
    const reader = await createKey(test, { scopes: ['agents:read'] });
    const other = await test.http.get('/api/v1/whoami').set({ ...reader, 'x-tenant-id': 'acme' });
    expect(other.status).toBe(403);
  });
});
