import { DataSource } from 'typeorm';
import { createKey, startTestApp, TestApp } from './utils/test-app';

const PROBLEM = 'urn:agentmesh:problem:';

describe('auth: no key manages a key that outranks it', () => {
  let test: TestApp;

  beforeAll(async () => {
    test = await startTestApp();
  });

  afterAll(async () => {
    await test.close();
  });

  const post = (path: string, authorization: string, body: object = {}) =>
    test.http.post(`/api/v1${path}`).set({ authorization }).send(body);
  const keyCount = async () =>
    (
      await test.app
        .get(DataSource)
        .query<Array<{ n: number }>>('SELECT count(*)::int AS n FROM api_keys')
    )[0].n;
  const revoke = (id: string, authorization: string) =>
    test.http.delete(`/api/v1/api-keys/${id}`).set({ authorization });

  it('a keys:admin key cannot rotate or revoke a "*" key, nor mint scopes it lacks', async () => {
    const keyAdmin = await createKey(test, { name: 'key admin', scopes: ['keys:admin'] });
    const platform = await createKey(test, { name: 'platform', scopes: ['*'] });

    const rotated = await post(`/api-keys/${platform.id}/rotate`, keyAdmin.authorization);
    expect([rotated.status, rotated.body.type, rotated.body.data?.scopes]).toEqual([
      403,
      `${PROBLEM}key-outranks-caller`,
      undefined,
    ]);
    const revoked = await revoke(platform.id, keyAdmin.authorization);
    expect([revoked.status, revoked.body.type]).toEqual([403, `${PROBLEM}key-outranks-caller`]);

    const wider = await post('/api-keys', keyAdmin.authorization, {
      name: 'wider',
      scopes: ['keys:admin', 'workflows:write'],
    });
    expect([wider.status, wider.body.type]).toEqual([403, `${PROBLEM}scope-not-grantable`]);

    const reader = await createKey(test, { name: 'reader', scopes: ['agents:read'] });
    const rotateReader = await post(`/api-keys/${reader.id}/rotate`, keyAdmin.authorization);
    expect([rotateReader.status, rotateReader.body.type]).toEqual([
      403,
      `${PROBLEM}key-outranks-caller`,
    ]);

    // The platform key is untouched and still the only "*" holder's credential.
    expect((await test.http.get('/api/v1/tenants').set(platform)).status).toBe(200);
    expect((await test.http.get('/api/v1/tenants').set(keyAdmin)).status).toBe(403);
  });

  it('a key may manage keys whose scopes are a subset of its own', async () => {
    const manager = await createKey(test, { scopes: ['keys:admin', 'agents:read'] });
    const minted = await post('/api-keys', manager.authorization, {
      name: 'minted',
      scopes: ['agents:read'],
    });
    expect(minted.status).toBe(201);
    const rotated = await post(
      `/api-keys/${minted.body.data.id as string}/rotate`,
      manager.authorization,
    );
    expect([rotated.status, rotated.body.data.scopes]).toEqual([201, ['agents:read']]);
    expect((await revoke(rotated.body.data.id as string, manager.authorization)).status).toBe(204);
    // Its own key is a subset of itself.
    expect((await post(`/api-keys/${manager.id}/rotate`, manager.authorization)).status).toBe(201);
  });

  it('a key that expires creates and rotates only keys that expire no later than it', async () => {
    const ends = new Date(Date.now() + 3_600_000);
    const manager = await createKey(test, {
      scopes: ['keys:admin', 'agents:read'],
      expiresAt: ends.toISOString(),
    });
    const before = await keyCount();
    for (const expiresAt of [undefined, null, '2099-01-01T00:00:00Z']) {
      const outliving = await post('/api-keys', manager.authorization, {
        name: 'outliving',
        scopes: ['agents:read'],
        ...(expiresAt === undefined ? {} : { expiresAt }),
      });
      expect([expiresAt, outliving.status, outliving.body.type]).toEqual([
        expiresAt,
        403,
        `${PROBLEM}expiry-not-grantable`,
      ]);
      expect(outliving.body.detail).toContain(ends.toISOString());
    }
    expect(await keyCount()).toBe(before);

    const sooner = await post('/api-keys', manager.authorization, {
      name: 'sooner',
      scopes: ['agents:read'],
      expiresAt: new Date(ends.getTime() - 60_000).toISOString(),
    });
    expect(sooner.status).toBe(201);
    const asLong = await post('/api-keys', manager.authorization, {
      name: 'as long',
      scopes: ['agents:read'],
      expiresAt: ends.toISOString(),
    });
    expect(asLong.status).toBe(201);

    // null is no value, as omitted: from a key that does not expire, a key that does not either.
    const lasts = await post('/api-keys', test.admin.authorization, {
      name: 'lasts',
      scopes: ['agents:read'],
      expiresAt: null,
    });
    expect([lasts.status, lasts.body.data.expiresAt]).toEqual([201, null]);

    // Rotating hands over a fresh secret as long-lived as the key rotated.
    const lasting = await createKey(test, { name: 'lasting', scopes: ['agents:read'] });
    const rotated = await post(`/api-keys/${lasting.id}/rotate`, manager.authorization);
    expect([rotated.status, rotated.body.type]).toEqual([403, `${PROBLEM}expiry-not-grantable`]);
    expect((await test.http.get('/api/v1/agents').set(lasting)).status).toBe(200);
    const own = await post(`/api-keys/${manager.id}/rotate`, manager.authorization);
    expect([own.status, own.body.data.expiresAt]).toEqual([201, ends.toISOString()]);
    const mine = await post(
      `/api-keys/${sooner.body.data.id as string}/rotate`,
      `Bearer ${own.body.data.key as string}`,
    );
    expect(mine.status).toBe(201);
  });

  it('an agent-bound key may only manage keys bound to its own agent', async () => {
    const agentAdmin = await createKey(test, {
      scopes: ['keys:admin', 'agents:write'],
      agentId: 'bot-1',
    });
    const unbound = await post('/api-keys', agentAdmin.authorization, {
      name: 'unbound',
      scopes: ['agents:write'],
    });
    expect([unbound.status, unbound.body.type]).toEqual([403, `${PROBLEM}agent-binding-required`]);
    const foreign = await post('/api-keys', agentAdmin.authorization, {
      name: 'foreign',
      scopes: ['agents:write'],
      agentId: 'bot-2',
    });
    expect([foreign.status, foreign.body.type]).toEqual([403, `${PROBLEM}agent-binding-required`]);
    const own = await post('/api-keys', agentAdmin.authorization, {
      name: 'own',
      scopes: ['agents:write'],
      agentId: 'bot-1',
    });
    expect([own.status, own.body.data?.agentId]).toEqual([201, 'bot-1']);

    const plain = await createKey(test, { scopes: ['agents:write'] });
    const rotatePlain = await post(`/api-keys/${plain.id}/rotate`, agentAdmin.authorization);
    expect([rotatePlain.status, rotatePlain.body.type]).toEqual([
      403,
      `${PROBLEM}agent-binding-required`,
    ]);
    const revokePlain = await revoke(plain.id, agentAdmin.authorization);
    expect([revokePlain.status, revokePlain.body.type]).toEqual([
      403,
      `${PROBLEM}agent-binding-required`,
    ]);
    // It reads only what it may manage: its agent's keys.
    const listed = await test.http
      .get('/api/v1/api-keys?limit=100')
      .set({ authorization: agentAdmin.authorization });
    expect(listed.status).toBe(200);
    const agents = (listed.body.data.apiKeys as Array<{ agentId: string | null }>).map(
      (key) => key.agentId,
    );
    expect(new Set(agents)).toEqual(new Set(['bot-1']));
    const readPlain = await test.http
      .get(`/api/v1/api-keys/${plain.id}`)
      .set({ authorization: agentAdmin.authorization });
    expect([readPlain.status, readPlain.body.type]).toEqual([
      403,
      `${PROBLEM}agent-binding-required`,
    ]);
    expect(
      (
        await test.http
          .get(`/api/v1/api-keys/${own.body.data.id}`)
          .set({ authorization: agentAdmin.authorization })
      ).status,
    ).toBe(200);
    expect((await revoke(own.body.data.id as string, agentAdmin.authorization)).status).toBe(204);
  });

  it('the platform admin still manages every key, "*" included', async () => {
    const platform = await createKey(test, { scopes: ['*'] });
    const rotated = await test.http
      .post(`/api/v1/api-keys/${platform.id}/rotate`)
      .set(test.admin)
      .send({ overlapSeconds: 0 });
    expect([rotated.status, rotated.body.data.scopes]).toEqual([201, ['*']]);
    const bound = await createKey(test, { scopes: ['tasks:work'], agentId: 'bot-9' });
    expect((await test.http.delete(`/api/v1/api-keys/${bound.id}`).set(test.admin)).status).toBe(
      204,
    );
  });
});
