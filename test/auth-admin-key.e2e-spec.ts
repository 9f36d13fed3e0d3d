import { createTestDatabase, TestDatabase } from './utils/databases';
import { startTestApp, TestApp } from './utils/test-app';

// Keys without the usual `amk_` head, so any shown prefix of them is recognisable.
const FIRST = 'first-admin-key-0123456789abcdef';
const SECOND = 'second-admin-key-0123456789abcdef';

interface ListedKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  revokedAt: string | null;
}

describe('auth: the key set by ADMIN_API_KEY', () => {
  let db: TestDatabase;
  let test: TestApp | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterEach(async () => {
    await test?.close();
    test = undefined;
  });

  afterAll(async () => {
    await db.drop();
  });

  async function start(adminKey: string): Promise<TestApp> {
    test = await startTestApp({ ADMIN_API_KEY: adminKey }, { db });
    return test;
  }

  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

  async function adminKeys(app: TestApp, key: string): Promise<ListedKey[]> {
    const listed = await app.http.get('/api/v1/api-keys?limit=200').set(bearer(key));
    expect(listed.status).toBe(200);
    return (listed.body.data.apiKeys as ListedKey[]).filter((row) => row.scopes.includes('*'));
  }

  async function audited(app: TestApp, key: string, action: string, id: string) {
    const response = await app.http
      .get(`/api/v1/audit?action=${action}&resourceId=${id}`)
      .set(bearer(key));
    expect(response.status).toBe(200);
    return response.body.data.entries as Array<{ actor: { type: string } }>;
  }

  it('shows no prefix of the configured key', async () => {
    const app = await start(FIRST);
    const listed = await app.http.get('/api/v1/api-keys?limit=200').set(bearer(FIRST));
    expect(JSON.stringify(listed.body)).not.toContain(FIRST.slice(0, 8));
    const [managed] = await adminKeys(app, FIRST);
    expect(managed.prefix).toBe('ADMIN_API_KEY');
  });

  it('revokes the previous key when the configured one changes, and audits both', async () => {
    let app = await start(FIRST);
    const [first] = await adminKeys(app, FIRST);
    await app.close();
    test = undefined;

    app = await start(SECOND);
    expect((await app.http.get('/api/v1/api-keys').set(bearer(FIRST))).status).toBe(401);
    const keys = await adminKeys(app, SECOND);
    const second = keys.find((key) => key.id !== first.id)!;
    expect(keys.find((key) => key.id === first.id)?.revokedAt).toEqual(expect.any(String));
    expect([second.revokedAt, second.prefix]).toEqual([null, 'ADMIN_API_KEY']);
    const revoked = await audited(app, SECOND, 'api_key.revoke', first.id);
    const created = await audited(app, SECOND, 'api_key.create', second.id);
    expect([revoked.length, revoked[0]?.actor.type]).toEqual([1, 'system']);
    expect([created.length, created[0]?.actor.type]).toEqual([1, 'system']);

    // Starting again with the same key changes nothing and audits nothing more.
    await app.close();
    app = await start(SECOND);
    expect((await audited(app, SECOND, 'api_key.create', second.id)).length).toBe(1);
    expect((await adminKeys(app, SECOND)).filter((key) => !key.revokedAt)).toHaveLength(1);

    // Going back to the first key makes it valid again (it is the configured admin key).
    await app.close();
    app = await start(FIRST);
    expect((await app.http.get('/api/v1/api-keys').set(bearer(FIRST))).status).toBe(200);
    expect((await app.http.get('/api/v1/api-keys').set(bearer(SECOND))).status).toBe(401);
    expect((await audited(app, FIRST, 'api_key.restore', first.id)).length).toBe(1);
  });
});
