/**
 * `GET /agents/summary`: exact counts of a tenant's agents by status and by skill (healthy,
 * unhealthy, quarantined), well past the 200 agents a discovery page holds, against a real
 * PostgreSQL; the quarantine is earned through the API, by an agent failing its task.
 */
import { waitFor } from './utils/spawn-app';
import { createKey, startTestApp, TestApp } from './utils/test-app';

/** More agents than a page of discovery holds. */
const AGENTS = 205;
/** Every fifth agent (0, 5, …) has the skill `extra` too. */
const EXTRA = Math.ceil(AGENTS / 5);

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const agentId = (i: number) => `fleet-${String(i).padStart(3, '0')}`;

describe('agent summary', () => {
  let test: TestApp;
  const elsewhere = () => ({ ...test.admin, 'x-tenant-id': 'elsewhere' });

  const get = (path: string, headers: Record<string, string> = test.admin) =>
    test.http.get(`/api/v1${path}`).set(headers);

  const send = async (
    method: 'post' | 'patch',
    path: string,
    body: object,
    headers: Record<string, string> = test.admin,
  ) => {
    const response = await test.http[method](`/api/v1${path}`).set(headers).send(body);
    if (response.status >= 300) throw new Error(`${path}: ${JSON.stringify(response.body)}`);
    return response.body.data as Json;
  };

  const beat = (i: number, status: 'degraded' | 'draining') =>
    send('post', `/agents/${agentId(i)}/heartbeat`, { status });

  beforeAll(async () => {
    test = await startTestApp({ RATE_LIMIT_PER_MINUTE: '10000000' });
    for (let i = 0; i < AGENTS; i++) {
      await send('post', '/agents', {
        id: agentId(i),
        name: `Fleet ${i}`,
        skills: i % 5 === 0 ? [{ name: 'bulk' }, { name: 'extra' }] : [{ name: 'bulk' }],
        heartbeatIntervalSeconds: 3600,
      });
    }
    // Agents 1 and 2 degraded, 3 draining; 0 (bulk and extra) is quarantined from bulk below.
    await beat(1, 'degraded');
    await beat(2, 'degraded');
    await beat(3, 'draining');

    // One failure of one sample is under the threshold: agent 0 is quarantined from `bulk`.
    await send('patch', '/routing/settings', {
      quarantineThreshold: 0.5,
      quarantineMinSamples: 1,
      outcomeWindow: 1,
      quarantineCooldownSeconds: 3600,
    });
    await send('post', '/workflows', { type: 'check', steps: [{ key: 'a', skill: 'bulk' }] });
    const claimed = await send('post', `/agents/${agentId(0)}/tasks/claim`, { max: 1 });
    const [task] = claimed.tasks as Json[];
    await send('post', `/tasks/${task.id}/fail`, {
      leaseToken: task.leaseToken,
      error: { message: 'broken' },
      retryable: false,
    });
    await waitFor(
      async () => {
        const agent = await get(`/agents/${agentId(0)}`);
        return (agent.body.data.quarantines as Json[]).length > 0 ? true : undefined;
      },
      30_000,
      'the quarantine',
    );

    // Another tenant's agent counts in that tenant only.
    await send('post', '/tenants', { id: 'elsewhere', name: 'Elsewhere' });
    await send(
      'post',
      '/agents',
      { id: 'far', name: 'Far', skills: [{ name: 'bulk' }], heartbeatIntervalSeconds: 3600 },
      elsewhere(),
    );
  }, 180_000);

  afterAll(async () => {
    await test?.close();
  });

  it('counts every agent by status and by skill, beyond the 200 a page holds', async () => {
    const response = await get('/agents/summary');
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({
      asOf: expect.any(String),
      total: AGENTS,
      byStatus: { online: AGENTS - 3, degraded: 2, draining: 1, offline: 0 },
      quarantined: 1,
      skillCount: 2,
      bySkill: [
        // Agent 0 is quarantined; 1 and 2 degraded and 3 draining are unhealthy.
        { skill: 'bulk', total: AGENTS, healthy: AGENTS - 4, unhealthy: 3, quarantined: 1 },
        // Agent 0 is online and not quarantined from `extra`; none of 1-3 has it.
        { skill: 'extra', total: EXTRA, healthy: EXTRA, unhealthy: 0, quarantined: 0 },
      ],
    });
    // A discovery page holds at most 200: the summary counts what a page cannot.
    const page = await get('/agents?limit=200');
    expect(page.body.data.agents).toHaveLength(200);
    expect(page.body.meta.nextCursor).not.toBeNull();
  });

  it('lists at most `skills` skills, the most widely held first, and counts them all', async () => {
    const response = await get('/agents/summary?skills=1');
    expect(response.status).toBe(200);
    expect(response.body.data.skillCount).toBe(2);
    expect(response.body.data.bySkill.map((row: Json) => row.skill)).toEqual(['bulk']);
  });

  it('follows a release and a status change at once', async () => {
    const released = await send('post', `/agents/${agentId(0)}/release`, { skill: 'bulk' });
    expect(released.released).toEqual(['bulk']);
    await beat(4, 'draining');
    const data = (await get('/agents/summary')).body.data as Json;
    expect(data.quarantined).toBe(0);
    expect(data.byStatus).toEqual({ online: AGENTS - 4, degraded: 2, draining: 2, offline: 0 });
    expect(data.bySkill[0]).toEqual({
      skill: 'bulk',
      total: AGENTS,
      healthy: AGENTS - 4,
      unhealthy: 4,
      quarantined: 0,
    });
  });

  it("keeps each tenant's counts to itself", async () => {
    const response = await get('/agents/summary', elsewhere());
    expect(response.body.data).toEqual({
      asOf: expect.any(String),
      total: 1,
      byStatus: { online: 1, degraded: 0, draining: 0, offline: 0 },
      quarantined: 0,
      skillCount: 1,
      bySkill: [{ skill: 'bulk', total: 1, healthy: 1, unhealthy: 0, quarantined: 0 }],
    });
    await send('post', '/tenants', { id: 'empty', name: 'Empty' });
    const empty = await get('/agents/summary', { ...test.admin, 'x-tenant-id': 'empty' });
    expect(empty.body.data).toEqual({
      asOf: expect.any(String),
      total: 0,
      byStatus: { online: 0, degraded: 0, draining: 0, offline: 0 },
      quarantined: 0,
      skillCount: 0,
      bySkill: [],
    });
  });

  it('answers 400 problem+json for a bad skills count or an unknown parameter', async () => {
    const cases: Array<[string, RegExp]> = [
      ['?skills=0', /skills/],
      ['?skills=1001', /skills/],
      ['?skills=many', /skills/],
      ['?skills=1.5', /skills/],
      ['?status=online', /status/],
    ];
    for (const [query, message] of cases) {
      const response = await get(`/agents/summary${query}`);
      expect({ query, status: response.status }).toEqual({ query, status: 400 });
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(JSON.stringify(response.body.errors)).toMatch(message);
    }
  });

  it('needs agents:read', async () => {
    const runsOnly = await createKey(test, { scopes: ['workflows:read'] });
    const agentsReader = await createKey(test, { scopes: ['agents:read'] });
    expect((await get('/agents/summary', runsOnly)).status).toBe(403);
    const allowed = await get('/agents/summary', agentsReader);
    expect(allowed.status).toBe(200);
    expect(allowed.body.data.total).toBe(AGENTS);
    expect((await test.http.get('/api/v1/agents/summary')).status).toBe(401);
  });

  it('documents the route with its scope in the OpenAPI document', async () => {
    const doc = (await test.http.get('/docs-json')).body as Json;
    const operation = doc.paths['/api/v1/agents/summary']?.get as Json;
    expect(operation['x-required-scopes']).toEqual(['agents:read']);
    expect(operation.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'skills', required: false })]),
    );
    expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['200', '400']));
  });
});
