import { Client } from 'pg';
import { waitFor } from './utils/spawn-app';
import { createKey, startTestApp, TestApp } from './utils/test-app';

describe('agents', () => {
  let test: TestApp;
  let writer: { authorization: string };
  let reader: { authorization: string };

  beforeAll(async () => {
    test = await startTestApp();
    writer = {
      authorization: (await createKey(test, { scopes: ['agents:write', 'agents:read'] }))
        .authorization,
    };
    reader = { authorization: (await createKey(test, { scopes: ['agents:read'] })).authorization };
  });

  afterAll(async () => {
    await test.close();
  });

  const register = (body: Record<string, unknown>) =>
    test.http.post('/api/v1/agents').set(writer).send(body);

  it('seed flow: register, discover by skill, heartbeat, leaderboard', async () => {
    const a = await register({
      id: 'agent-a',
      name: 'Agent A',
      skills: [{ name: 'echo', description: 'Echoes' }],
    });
    expect(a.status).toBe(201);
    expect(a.body.data).toMatchObject({
      id: 'agent-a',
      status: 'online',
      skills: [{ id: 'echo', name: 'echo' }],
    });
    expect(a.headers.etag).toBe('"1"');
    expect(
      (await register({ id: 'agent-b', name: 'Agent B', skills: [{ name: 'ask' }] })).status,
    ).toBe(201);

    const found = await test.http.get('/api/v1/agents?skill=echo').set(reader);
    expect(found.status).toBe(200);
    expect(found.body.data.agents.map((agent: { id: string }) => agent.id)).toEqual(['agent-a']);
    expect(found.body.meta).toEqual({ nextCursor: null });

    const beat = await test.http
      .post('/api/v1/agents/agent-a/heartbeat')
      .set(writer)
      .send({ status: 'healthy' });
    expect(beat.status).toBe(200);
    expect(beat.body).toEqual({ data: { status: 'online', nextHeartbeatSeconds: 10 } });

    const board = await test.http.get('/api/v1/agents/leaderboard?skill=echo').set(reader);
    expect(board.status).toBe(200);
    expect(board.body.data.leaderboard).toEqual([
      expect.objectContaining({ rank: 1, agentId: 'agent-a', total: 0, wilsonLowerBound: 0 }),
    ]);
  });

  it('refuses a taken id with 409 and bad input with 400 naming the field', async () => {
    await register({ id: 'dup', name: 'Dup', skills: [{ name: 'x' }] });
    expect((await register({ id: 'dup', name: 'Dup', skills: [{ name: 'x' }] })).status).toBe(409);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ id: 'Bad Id', name: 'x', skills: [{ name: 'x' }] }, 'id'],
      [{ name: 'x', skills: [] }, 'skills'],
      [{ name: 'x', skills: [{ name: 'Echo' }, { id: 'echo', name: 'other' }] }, 'skills[1]'],
      [{ name: 'x', skills: [{ name: 'x', bogus: 1 }] }, 'skills[0].bogus'],
      [{ name: 'x', skills: [{ name: 'x' }], endpoint: 'ftp://x' }, 'endpoint'],
      [
        { name: 'x', skills: [{ name: 'x' }], heartbeatIntervalSeconds: 0 },
        'heartbeatIntervalSeconds',
      ],
      [{ name: 'x'.repeat(201), skills: [{ name: 'x' }] }, 'name'],
      [{ name: 'x', skills: [{ name: '!!!' }] }, 'skills[0].name'],
    ];
    for (const [body, field] of cases) {
      const response = await register(body);
      expect([
        response.status,
        response.body.errors?.map((error: { field: string }) => error.field),
      ]).toEqual([400, expect.arrayContaining([field])]);
    }
    // An empty list is said in words (class-validator's own: "at least 1 elements").
    expect((await register({ name: 'x', skills: [] })).body.errors).toEqual([
      { field: 'skills', message: 'skills must hold at least one item' },
    ]);
    // Too long is said as such; PUT, which creates the agent it names, says the same of its path.
    const long = await register({ id: 'a'.repeat(65), name: 'x', skills: [{ name: 'x' }] });
    expect(long.body.errors).toEqual([{ field: 'id', message: expect.stringContaining('1-64') }]);
    for (const id of ['BAD%20ID', 'a'.repeat(65)]) {
      const put = await test.http
        .put(`/api/v1/agents/${id}`)
        .set(writer)
        .send({ name: 'x', skills: [{ name: 'x' }] });
      expect([put.status, put.body.errors]).toEqual([
        400,
        [{ field: 'id', message: expect.stringContaining('1-64') }],
      ]);
    }
  });

  it('generates an id when none is given', async () => {
    const response = await register({ name: 'Nameless Helper', skills: [{ name: 'help' }] });
    expect(response.status).toBe(201);
    expect(response.body.data.id).toMatch(/^nameless-helper-[0-9a-f]{8}$/);
  });

  it('upserts with PUT: 201 then 200, with ETag and If-Match', async () => {
    const body = { name: 'Booting', skills: [{ name: 'build' }] };
    const created = await test.http.put('/api/v1/agents/boot-1').set(writer).send(body);
    expect(created.status).toBe(201);
    const updated = await test.http
      .put('/api/v1/agents/boot-1')
      .set(writer)
      .set('if-match', created.headers.etag)
      .send({ ...body, skills: [{ name: 'build' }, { name: 'test' }] });
    expect(updated.status).toBe(200);
    expect(updated.headers.etag).toBe('"2"');
    expect(updated.body.data.skills.map((skill: { id: string }) => skill.id)).toEqual([
      'build',
      'test',
    ]);
    const stale = await test.http
      .put('/api/v1/agents/boot-1')
      .set(writer)
      .set('if-match', '"1"')
      .send(body);
    expect(stale.status).toBe(412);
    // `*` matches any current version: with none, there is nothing to match (RFC 9110).
    const none = await test.http
      .put('/api/v1/agents/boot-none')
      .set(writer)
      .set('if-match', '*')
      .send(body);
    expect(none.status).toBe(412);
    expect((await test.http.get('/api/v1/agents/boot-none').set(writer)).status).toBe(404);
  });

  it('PUT racing DELETE answers 200 or 201, never 404', async () => {
    const body = { name: 'Flicker', skills: [{ name: 'build' }] };
    const put = () => test.http.put('/api/v1/agents/flicker').set(writer).send(body);
    const unexpected: string[] = [];
    for (let round = 0; round < 30; round += 1) {
      // Present in even rounds, absent in odd ones: PUTs that find nothing create it at once.
      const ready =
        round % 2 === 0 ? put() : test.http.delete('/api/v1/agents/flicker').set(writer);
      expect([200, 201, 204, 404]).toContain((await ready).status);
      const answers = await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          i % 2 === 0 ? put() : test.http.delete('/api/v1/agents/flicker').set(writer),
        ),
      );
      for (const [i, answer] of answers.entries()) {
        const allowed = i % 2 === 0 ? [200, 201] : [204, 404];
        if (!allowed.includes(answer.status))
          unexpected.push(`${i % 2 === 0 ? 'PUT' : 'DELETE'} ${answer.status}`);
      }
    }
    expect(unexpected).toEqual([]);
  });

  it('a PUT that changes nothing is a beat: same ETag, no audit entry; a change is audited from what it was', async () => {
    const body = { name: 'Steady', skills: [{ name: 'build' }], labels: { b: 1, a: 2 } };
    const put = (sent: object) => test.http.put('/api/v1/agents/steady-1').set(writer).send(sent);
    const created = await put(body);
    expect(created.status).toBe(201);
    const updates = async () =>
      (
        await test.http
          .get('/api/v1/audit?resourceType=agent&resourceId=steady-1&action=agent.update')
          .set(test.admin)
      ).body.data.entries as Array<{ before: { name: string }; after: { name: string } }>;
    for (let i = 0; i < 2; i += 1) {
      const again = await put({ ...body, labels: { a: 2, b: 1 } });
      expect([again.status, again.headers.etag]).toEqual([200, created.headers.etag]);
    }
    expect(await updates()).toEqual([]);

    const renamed = await put({ ...body, name: 'Steadier' });
    expect(renamed.headers.etag).not.toBe(created.headers.etag);
    const [entry] = await updates();
    expect([entry.before.name, entry.after.name]).toEqual(['Steady', 'Steadier']);
  });

  it('concurrent upserts of one id leave one agent', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        test.http
          .put('/api/v1/agents/racer')
          .set(writer)
          .send({ name: `Racer ${i}`, skills: [{ name: 'run' }] }),
      ),
    );
    const statuses = results.map((response) => response.status).sort();
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 200)).toHaveLength(9);
    const read = await test.http.get('/api/v1/agents/racer').set(reader);
    expect(read.body.data.skills).toHaveLength(1);
    expect(read.headers.etag).toBe('"10"');
  });

  it('registration honours Idempotency-Key: a retry answers the first response', async () => {
    const body = { name: 'Once Only', skills: [{ name: 'x' }] };
    const first = await test.http
      .post('/api/v1/agents')
      .set(writer)
      .set('idempotency-key', 'register-once-1')
      .send(body);
    expect(first.status).toBe(201);
    const again = await test.http
      .post('/api/v1/agents')
      .set(writer)
      .set('idempotency-key', 'register-once-1')
      .send(body);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    // The id was generated once: the retry did not register a second agent.
    expect(again.body.data.id).toBe(first.body.data.id);
    // The headers the first answer carried come again: an update's If-Match needs the ETag.
    expect(first.headers.etag).toBe('"1"');
    expect(again.headers.etag).toBe(first.headers.etag);
    const other = await test.http
      .post('/api/v1/agents')
      .set(writer)
      .set('idempotency-key', 'register-once-1')
      .send({ ...body, name: 'Another' });
    expect(other.status).toBe(422);
    const listed = await test.http.get('/api/v1/agents?q=once%20only').set(reader);
    expect(listed.body.data.agents).toHaveLength(1);
  });

  it('discovery renders each agent exactly as GET /agents/{id} does', async () => {
    await register({
      id: 'rich-agent',
      name: 'Rïch — agent ☃ "quoted" \\ back',
      description: 'Line one\nline two\ttabbed',
      endpoint: 'https://rich.example/a2a?x=1&y=2',
      version: '1.2.3',
      labels: { team: 'ünïcode', nested: { depth: [1, 2.5, null, true] }, empty: {} },
      skills: [
        { id: 'zeta', name: 'Zeta', tags: ['b', 'a'], examples: ['say "hi"'] },
        { id: 'alpha-2', name: 'Alpha 2', description: 'Two' },
        { id: 'alpha.1', name: 'Alpha 1' },
        { id: 'alpha_3', name: 'Alpha 3' },
      ],
      heartbeatIntervalSeconds: 15,
    });
    await test.http
      .post('/api/v1/agents/rich-agent/heartbeat')
      .set(writer)
      .send({ status: 'degraded', inFlight: 3, load: 0.125 });
    const one = await test.http.get('/api/v1/agents/rich-agent').set(reader);
    const listed = await test.http.get('/api/v1/agents?skill=zeta').set(reader);
    expect(listed.status).toBe(200);
    expect(listed.headers['content-type']).toMatch(/^application\/json/);
    expect(listed.body).toEqual({ data: { agents: [one.body.data] }, meta: { nextCursor: null } });
    expect(one.body.data.skills.map((skill: { id: string }) => skill.id)).toEqual([
      'alpha-2',
      'alpha.1',
      'alpha_3',
      'zeta',
    ]);
    // An upsert that replaces the skills: discovery shows the new ones, still as GET does.
    const replaced = await test.http
      .put('/api/v1/agents/rich-agent')
      .set(writer)
      .send({
        name: 'Rich again',
        skills: [
          { name: 'Omega Ω', tags: ['z'], examples: ['ω'] },
          { id: 'beta', name: 'Beta' },
        ],
      });
    expect(replaced.status).toBe(200);
    const again = await test.http.get('/api/v1/agents/rich-agent').set(reader);
    expect(again.body.data.skills.map((skill: { id: string }) => skill.id)).toEqual([
      'beta',
      'omega',
    ]);
    const byNew = await test.http.get('/api/v1/agents?skill=omega').set(reader);
    expect(byNew.body).toEqual({ data: { agents: [again.body.data] }, meta: { nextCursor: null } });
    const byOld = await test.http.get('/api/v1/agents?skill=zeta').set(reader);
    expect(byOld.body.data.agents).toEqual([]);
  });

  it('discovers by tag, status and text, in keyset pages', async () => {
    for (let i = 0; i < 5; i += 1) {
      await register({
        id: `tagged-${i}`,
        name: `Tagged ${i}`,
        skills: [{ name: 'scan', tags: ['security', `n${i}`] }],
      });
    }
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page: {
        body: { data: { agents: Array<{ id: string }> }; meta: { nextCursor: string | null } };
      } = await test.http
        .get(`/api/v1/agents?tag=security&limit=2${cursor ? `&cursor=${cursor}` : ''}`)
        .set(reader);
      ids.push(...page.body.data.agents.map((agent) => agent.id));
      cursor = page.body.meta.nextCursor;
    } while (cursor);
    expect(ids).toEqual(['tagged-0', 'tagged-1', 'tagged-2', 'tagged-3', 'tagged-4']);
    const byText = await test.http.get('/api/v1/agents?q=tagged%203').set(reader);
    expect(byText.body.data.agents.map((agent: { id: string }) => agent.id)).toEqual(['tagged-3']);
    const wildcard = await test.http.get('/api/v1/agents?q=%25').set(reader);
    expect(wildcard.body.data.agents).toEqual([]);
    await test.http
      .post('/api/v1/agents/tagged-4/heartbeat')
      .set(writer)
      .send({ status: 'draining' });
    const draining = await test.http.get('/api/v1/agents?status=draining').set(reader);
    expect(draining.body.data.agents.map((agent: { id: string }) => agent.id)).toEqual([
      'tagged-4',
    ]);
    expect((await test.http.get('/api/v1/agents?status=sleepy').set(reader)).status).toBe(400);
  });

  it('discovery pages are cached until the registry changes, counted on /metrics', async () => {
    const discover = async () =>
      (await test.http.get('/api/v1/agents?skill=metered').set(reader)).body.data.agents.map(
        (agent: { id: string }) => agent.id,
      );
    expect(
      (await register({ id: 'metered-a', name: 'A', skills: [{ name: 'metered' }] })).status,
    ).toBe(201);
    expect(await discover()).toEqual(['metered-a']);
    expect(await discover()).toEqual(['metered-a']);
    // A registration drops the cached page at once (well within its 1 s).
    expect(
      (await register({ id: 'metered-b', name: 'B', skills: [{ name: 'metered' }] })).status,
    ).toBe(201);
    expect(await discover()).toEqual(['metered-a', 'metered-b']);
    const metrics = (await test.http.get('/metrics')).text;
    expect(metrics).toMatch(/^discovery_cache_requests_total\{result="hit"\} [1-9]/m);
    expect(metrics).toMatch(/^discovery_cache_requests_total\{result="miss"\} [1-9]/m);
  });

  it('discovers by skill id or name, combined with other filters, in keyset pages', async () => {
    // Ids and names differ: `sum` is called "Summarise"; `summarise` is another skill's id.
    for (let i = 0; i < 5; i += 1) {
      await register({
        id: `sk-${i}`,
        name: `Skilled ${i}`,
        skills: [{ id: i % 2 === 0 ? 'sum' : 'summarise', name: 'Summarise', tags: [`p${i % 2}`] }],
      });
    }
    await register({ id: 'sk-other', name: 'Other', skills: [{ id: 'summarise-x', name: 'x' }] });
    const walk = async (query: string) => {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const page: {
          status: number;
          body: { data: { agents: Array<{ id: string }> }; meta: { nextCursor: string | null } };
        } = await test.http
          .get(`/api/v1/agents?${query}&limit=2${cursor ? `&cursor=${cursor}` : ''}`)
          .set(reader);
        expect(page.status).toBe(200);
        ids.push(...page.body.data.agents.map((agent) => agent.id));
        cursor = page.body.meta.nextCursor;
      } while (cursor);
      return ids;
    };
    expect(await walk('skill=sum')).toEqual(['sk-0', 'sk-2', 'sk-4']);
    // By name: every agent with a skill called so, once each, whichever id it has.
    expect(await walk('skill=summarise')).toEqual(['sk-0', 'sk-1', 'sk-2', 'sk-3', 'sk-4']);
    expect(await walk('skill=SUMMARISE&tag=p1')).toEqual(['sk-1', 'sk-3']);
    await test.http.post('/api/v1/agents/sk-2/heartbeat').set(writer).send({ status: 'degraded' });
    expect(await walk('skill=Summarise&status=degraded')).toEqual(['sk-2']);
    expect(await walk('skill=summarise&q=skilled%204')).toEqual(['sk-4']);
    expect(await walk('skill=nothing-like-it')).toEqual([]);
    const listed = await test.http.get('/api/v1/agents?skill=sum&limit=1').set(reader);
    expect(listed.body.data.agents[0]).toMatchObject({
      id: 'sk-0',
      skills: [{ id: 'sum', name: 'Summarise', tags: ['p0'], examples: [] }],
    });
  });

  it('heartbeats: statuses, bad input, unknown agent', async () => {
    await register({
      id: 'beater',
      name: 'Beater',
      skills: [{ name: 'x' }],
      heartbeatIntervalSeconds: 4,
    });
    const degraded = await test.http
      .post('/api/v1/agents/beater/heartbeat')
      .set(writer)
      .send({ status: 'degraded', inFlight: 3, load: 0.5 });
    expect(degraded.body.data).toEqual({ status: 'degraded', nextHeartbeatSeconds: 4 });
    expect(
      (
        await test.http
          .post('/api/v1/agents/beater/heartbeat')
          .set(writer)
          .send({ status: 'zombie' })
      ).status,
    ).toBe(400);
    expect(
      (
        await test.http
          .post('/api/v1/agents/beater/heartbeat')
          .set(writer)
          .send({ status: 'healthy', load: 2 })
      ).status,
    ).toBe(400);
    expect(
      (
        await test.http
          .post('/api/v1/agents/ghost/heartbeat')
          .set(writer)
          .send({ status: 'healthy' })
      ).status,
    ).toBe(404);
  });

  it('an agent key acts only as its agent', async () => {
    await register({ id: 'bound', name: 'Bound', skills: [{ name: 'x' }] });
    await register({ id: 'other', name: 'Other', skills: [{ name: 'x' }] });
    const key = await createKey(test, { scopes: ['tasks:work', 'agents:read'], agentId: 'bound' });
    const own = await test.http
      .post('/api/v1/agents/bound/heartbeat')
      .set({ authorization: key.authorization })
      .send({ status: 'healthy' });
    expect(own.status).toBe(200);
    const foreign = await test.http
      .post('/api/v1/agents/other/heartbeat')
      .set({ authorization: key.authorization })
      .send({ status: 'healthy' });
    expect(foreign.status).toBe(403);
  });

  it('marks a silent agent offline after three intervals; a beat brings it back', async () => {
    await register({
      id: 'quiet',
      name: 'Quiet',
      skills: [{ name: 'x' }],
      heartbeatIntervalSeconds: 1,
    });
    await waitFor(
      async () => {
        const response = await test.http.get('/api/v1/agents/quiet').set(reader);
        return response.body.data.status === 'offline' ? true : undefined;
      },
      8_000,
      'the sweeper to mark the agent offline',
    );
    const beat = await test.http
      .post('/api/v1/agents/quiet/heartbeat')
      .set(writer)
      .send({ status: 'healthy' });
    expect(beat.body.data.status).toBe('online');
    const db = new Client({ connectionString: test.db.url });
    await db.connect();
    try {
      const { rows } = await db.query<{ type: string }>(
        `SELECT type FROM events WHERE subject_type = 'agent' AND subject_id = 'quiet' ORDER BY position`,
      );
      expect(rows.map((row) => row.type)).toEqual([
        'agent.registered',
        'agent.offline',
        'agent.online',
      ]);
    } finally {
      await db.end();
    }
  });

  it('imports an A2A AgentCard and renders one back, keeping unknown fields', async () => {
    const card = {
      protocolVersion: '0.3.0',
      name: 'Card Agent',
      description: 'Reads cards',
      url: 'https://card.example/a2a',
      version: '2.1.0',
      capabilities: { streaming: true },
      defaultInputModes: ['text/plain'],
      defaultOutputModes: ['application/json'],
      provider: { organization: 'Example', url: 'https://example.com' },
      skills: [
        {
          id: 'read',
          name: 'Read',
          description: 'Reads',
          tags: ['io'],
          inputModes: ['text/plain'],
        },
      ],
    };
    const imported = await test.http.post('/api/v1/agents/import').set(writer).send({ card });
    expect(imported.status).toBe(201);
    expect(imported.body.data).toMatchObject({
      id: 'card-agent',
      endpoint: 'https://card.example/a2a',
      version: '2.1.0',
    });
    // The card came in as 0.3: asked for in 0.3 it comes back as it was (1.0 is the default).
    const rendered = await test.http.get('/api/v1/agents/card-agent/card?version=0.3').set(reader);
    expect(rendered.status).toBe(200);
    expect(rendered.body).toEqual(card);
    const invalid = await test.http
      .post('/api/v1/agents/import')
      .set(writer)
      .send({ card: { name: 'x' } });
    expect(invalid.status).toBe(400);
  });

  it('renders a card that satisfies the A2A 1.0 required fields', async () => {
    // Export is A2A 1.0 by default: `supportedInterfaces` replaced 0.3's `url`/`protocolVersion`.
    const card = (await test.http.get('/api/v1/agents/agent-a/card').set(reader)).body;
    expect(card.supportedInterfaces[0]).toEqual({
      url: expect.any(String),
      protocolBinding: 'JSONRPC',
      protocolVersion: '1.0',
    });
    for (const field of ['name', 'description', 'supportedInterfaces', 'version', 'capabilities']) {
      expect(card).toHaveProperty(field);
    }
    expect(card.defaultInputModes.length).toBeGreaterThan(0);
    for (const skill of card.skills) {
      expect(skill).toEqual(
        expect.objectContaining({
          id: expect.any(String),
          name: expect.any(String),
          description: expect.any(String),
        }),
      );
      expect(Array.isArray(skill.tags)).toBe(true);
    }
  });

  it('registered again, keeps the rows of the skills it keeps: unchanged ones are not written', async () => {
    const skills = [
      { id: 'kept', name: 'Kept', tags: ['a'] },
      { id: 'renamed', name: 'Before' },
      { id: 'dropped', name: 'Dropped' },
    ];
    const put = (body: Record<string, unknown>) =>
      test.http.put('/api/v1/agents/restarting').set(writer).send(body);
    expect((await register({ id: 'restarting', name: 'Restarting', skills })).status).toBe(201);
    const db = new Client({ connectionString: test.db.url });
    await db.connect();
    const versions = async () =>
      Object.fromEntries(
        (
          await db.query<{ skill_id: string; xmin: string; name: string }>(
            `SELECT skill_id, xmin::text, name FROM agent_skills WHERE agent_id = 'restarting'`,
          )
        ).rows.map((row) => [row.skill_id, { xmin: row.xmin, name: row.name }]),
      );
    try {
      const before = await versions();
      expect((await put({ name: 'Restarting', skills })).status).toBe(200);
      expect(await versions()).toEqual(before);
      const changed = await put({
        name: 'Restarting',
        skills: [skills[0], { id: 'renamed', name: 'After' }],
      });
      expect(changed.status).toBe(200);
      expect(changed.body.data.skills.map((skill: { id: string }) => skill.id).sort()).toEqual([
        'kept',
        'renamed',
      ]);
      const after = await versions();
      expect(Object.keys(after).sort()).toEqual(['kept', 'renamed']);
      expect(after.kept).toEqual(before.kept);
      expect(after.renamed.name).toBe('After');
      expect(after.renamed.xmin).not.toBe(before.renamed.xmin);
    } finally {
      await db.end();
    }
  });

  it('deregisters with 204, then 404; leaderboard is never an agent id', async () => {
    await register({ id: 'leaving', name: 'Leaving', skills: [{ name: 'x' }] });
    expect((await test.http.delete('/api/v1/agents/leaving').set(writer)).status).toBe(204);
    expect((await test.http.get('/api/v1/agents/leaving').set(reader)).status).toBe(404);
    expect((await test.http.delete('/api/v1/agents/leaving').set(writer)).status).toBe(404);
    expect((await test.http.get('/api/v1/agents/leaderboard').set(reader)).status).toBe(200);
    expect((await test.http.get('/api/v1/agents/NOT_A_SLUG').set(reader)).status).toBe(404);
    // Nor summary: GET /agents/{id} could never read such an agent (the route answers), and a
    // console following its link would read the wrong shape.
    for (const id of ['leaderboard', 'summary']) {
      const posted = await test.http
        .post('/api/v1/agents')
        .set(writer)
        .send({ id, name: id, skills: [{ name: 'x' }] });
      expect([posted.status, posted.body.type, posted.body.errors?.[0]?.field]).toEqual([
        400,
        'urn:agentmesh:problem:invalid-agent-id',
        'id',
      ]);
      const put = await test.http
        .put(`/api/v1/agents/${id}`)
        .set(writer)
        .send({ name: id, skills: [{ name: 'x' }] });
      expect([put.status, put.body.type]).toEqual([400, 'urn:agentmesh:problem:invalid-agent-id']);
    }
  });

  it('audits registration, update, deregistration and going offline, not beats', async () => {
    const auditor = {
      authorization: (await createKey(test, { scopes: ['audit:read'] })).authorization,
    };
    const actions = async (id: string) => {
      const response = await test.http
        .get(`/api/v1/audit?resourceType=agent&resourceId=${id}`)
        .set(auditor);
      expect(response.status).toBe(200);
      return (response.body.data.entries as Array<{ action: string }>)
        .map((entry) => entry.action)
        .sort();
    };
    await test.http
      .put('/api/v1/agents/audited')
      .set(writer)
      .send({ name: 'A', skills: [{ name: 'x' }] });
    await test.http
      .put('/api/v1/agents/audited')
      .set(writer)
      .send({ name: 'B', skills: [{ name: 'x' }] });
    await test.http
      .post('/api/v1/agents/audited/heartbeat')
      .set(writer)
      .send({ status: 'healthy' });
    await test.http.delete('/api/v1/agents/audited').set(writer);
    expect(await actions('audited')).toEqual([
      'agent.deregister',
      'agent.register',
      'agent.update',
    ]);
    expect(await actions('quiet')).toEqual(
      expect.arrayContaining(['agent.offline', 'agent.register']),
    );
  });

  it('keeps tenants apart: another tenant sees 404 and may reuse the id', async () => {
    await test.http.post('/api/v1/tenants').set(test.admin).send({ id: 'other-co', name: 'Other' });
    const foreign = await createKey(test, {
      scopes: ['agents:read', 'agents:write'],
      tenantId: 'other-co',
    });
    const as = { authorization: foreign.authorization };
    expect((await test.http.get('/api/v1/agents/agent-a').set(as)).status).toBe(404);
    expect((await test.http.get('/api/v1/agents?skill=echo').set(as)).body.data.agents).toEqual([]);
    expect(
      (
        await test.http
          .post('/api/v1/agents')
          .set(as)
          .send({ id: 'agent-a', name: 'Mine', skills: [{ name: 'y' }] })
      ).status,
    ).toBe(201);
  });
});
