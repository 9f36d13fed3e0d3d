import { Client } from 'pg';
import type { Response } from 'supertest';
import { AgentsService } from '../src/agents/agents.service';
import { waitFor } from './utils/spawn-app';
import { createKey, startTestApp, TestApp } from './utils/test-app';

/**
 * Heartbeats are written together: each beat is validated and authorised on its own, and its
 * UPDATE joins the others of the next flush; it is answered once that flush committed. Status
 * changes still go through their own audited transaction. Workers are off so that the tests
 * drive the liveness sweeper themselves and count every statement on `agents`.
 */
describe('heartbeats written together', () => {
  let test: TestApp;
  let db: Client;
  let writer: { authorization: string };

  beforeAll(async () => {
    // A statement may wait for a lock the first test holds on purpose.
    test = await startTestApp({ WORKERS: 'off', DB_STATEMENT_TIMEOUT_MS: '30000' });
    db = new Client({ connectionString: test.db.url });
    await db.connect();
    writer = {
      authorization: (await createKey(test, { scopes: ['agents:write', 'agents:read'] }))
        .authorization,
    };
  });

  afterAll(async () => {
    await db.end();
    await test.close();
  });

  /** `count` agents `<prefix>-<n>`, online, silent for an hour (beats must move that). */
  const seed = async (prefix: string, count: number, interval = 60) => {
    await db.query(
      `INSERT INTO agents (tenant_id, id, name, heartbeat_interval_seconds, status, last_heartbeat_at)
       SELECT 'default', $1 || '-' || g, 'Agent ' || g, $3, 'online', now() - interval '1 hour'
         FROM generate_series(0, $2 - 1) g`,
      [prefix, count, interval],
    );
    return Array.from({ length: count }, (_, index) => `${prefix}-${index}`);
  };

  const beat = (id: string, body: Record<string, unknown>, requestId?: string) => {
    const call = test.http.post(`/api/v1/agents/${id}/heartbeat`).set(writer);
    if (requestId) void call.set('x-request-id', requestId);
    return call.send(body);
  };

  /** Beats received and not yet answered, as /metrics reports them. */
  const pendingBeats = async () => {
    const metrics = await test.http.get('/metrics');
    const line = /^agent_heartbeats_pending (\d+)$/m.exec(metrics.text);
    return line ? Number(line[1]) : 0;
  };

  const rowsOf = async (prefix: string) => {
    const { rows } = await db.query<{
      id: string;
      status: string;
      in_flight: number | null;
      fresh: boolean;
    }>(
      `SELECT id, status, in_flight, last_heartbeat_at > now() - interval '1 minute' AS fresh
         FROM agents WHERE tenant_id = 'default' AND id LIKE $1 || '-%'`,
      [prefix],
    );
    return new Map(rows.map((row) => [row.id, row]));
  };

  it('concurrent beats from many agents all land, written together while a flush runs', async () => {
    const ids = await seed('many', 150);
    await db.query(`CREATE TABLE beat_statements (at timestamptz NOT NULL DEFAULT now())`);
    await db.query(`
      CREATE FUNCTION count_beat_statement() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO beat_statements DEFAULT VALUES; RETURN NULL; END $$`);
    await db.query(`
      CREATE TRIGGER agents_update_statements AFTER UPDATE ON agents
        FOR EACH STATEMENT EXECUTE FUNCTION count_beat_statement()`);
    // Writes to agents wait while this transaction holds the table: a slow flush, made sure.
    const holder = new Client({ connectionString: test.db.url });
    await holder.connect();
    try {
      await holder.query(`BEGIN; LOCK TABLE agents IN EXCLUSIVE MODE`);
      const answering = Promise.all(
        ids.map((id, index) =>
          beat(id, { status: 'healthy', inFlight: index + 1, load: (index % 10) / 10 }),
        ),
      );
      // Until every beat has been received (bounded: the count below decides, not this wait).
      await waitFor(
        async () => ((await pendingBeats()) >= ids.length ? true : undefined),
        15_000,
        'every beat to be received',
      ).catch(() => undefined);
      await holder.query('COMMIT');
      const answers = await answering;
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        expect(answer.body.data).toEqual({ status: 'online', nextHeartbeatSeconds: 60 });
      }
      const rows = await rowsOf('many');
      ids.forEach((id, index) => {
        expect(rows.get(id)).toMatchObject({ status: 'online', in_flight: index + 1, fresh: true });
      });
      const { rows: counted } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM beat_statements`,
      );
      // One UPDATE per beat before; now the flush that waited, then one with all the others.
      expect(counted[0].n).toBeGreaterThan(0);
      expect(counted[0].n).toBeLessThanOrEqual(3);
    } finally {
      await holder.end();
      await db.query(`DROP TRIGGER agents_update_statements ON agents`);
      await db.query(`DROP FUNCTION count_beat_statement()`);
      await db.query(`DROP TABLE beat_statements`);
    }
  });

  it('a beat that changes the status is audited once, with its own correlation id', async () => {
    const ids = await seed('chg', 60);
    const wanted = (index: number) =>
      index < 20 ? 'degraded' : index < 40 ? 'draining' : 'healthy';
    // Each agent beats twice at once: only one of the two can be the change.
    const calls: Array<Promise<Response>> = [];
    ids.forEach((id, index) => {
      for (const copy of [0, 1]) {
        calls.push(beat(id, { status: wanted(index) }, `beat-${id}-${copy}`));
      }
    });
    const answers = await Promise.all(calls);
    answers.forEach((answer, n) => {
      const index = Math.floor(n / 2);
      expect(answer.status).toBe(200);
      expect(answer.body.data.status).toBe(wanted(index) === 'healthy' ? 'online' : wanted(index));
    });
    const rows = await rowsOf('chg');
    ids.forEach((id, index) => {
      expect(rows.get(id)).toMatchObject({
        status: wanted(index) === 'healthy' ? 'online' : wanted(index),
        fresh: true,
      });
    });
    const { rows: audited } = await db.query<{
      resource_id: string;
      after: { status: string };
      before: { status: string };
      correlation_id: string;
    }>(
      `SELECT resource_id, before, after, correlation_id FROM audit_entries
        WHERE action = 'agent.status' AND resource_id LIKE 'chg-%'`,
    );
    const { rows: events } = await db.query<{ subject_id: string; type: string }>(
      `SELECT subject_id, type FROM events WHERE subject_id LIKE 'chg-%'`,
    );
    const seen = ids.map((id) => ({
      entries: audited
        .filter((entry) => entry.resource_id === id)
        .map((entry) => ({
          before: entry.before,
          after: entry.after,
          // Written in the beat's own request: one of its two correlation ids.
          ownRequest: [`beat-${id}-0`, `beat-${id}-1`].includes(entry.correlation_id),
        })),
      events: events.filter((event) => event.subject_id === id).map((event) => event.type),
    }));
    const expected = ids.map((_, index) =>
      wanted(index) === 'healthy'
        ? { entries: [], events: [] }
        : {
            entries: [
              { before: { status: 'online' }, after: { status: wanted(index) }, ownRequest: true },
            ],
            events: ['agent.status_changed'],
          },
    );
    expect(seen).toEqual(expected);
  });

  it('a beat racing the sweeper never leaves its agent offline once acknowledged', async () => {
    const agents = test.app.get(AgentsService);
    const ids = await seed('race', 60);
    for (let round = 0; round < 5; round += 1) {
      await db.query(
        `UPDATE agents SET status = 'online', last_heartbeat_at = now() - interval '1 hour'
          WHERE id LIKE 'race-%'`,
      );
      let beating = true;
      const sweeps = (async () => {
        let swept = 0;
        while (beating) swept += (await agents.sweepSilentAgents()).length;
        swept += (await agents.sweepSilentAgents()).length;
        return swept;
      })();
      const answers = await Promise.all(
        ids.map((id) => beat(id, { status: 'healthy', inFlight: round })),
      ).finally(() => (beating = false));
      await sweeps;
      const rows = await rowsOf('race');
      ids.forEach((id, index) => {
        expect(answers[index].status).toBe(200);
        expect(answers[index].body.data.status).toBe('online');
        // Acknowledged: the beat is in the table, and the sweeper cannot have undone it.
        expect(rows.get(id)).toMatchObject({ status: 'online', in_flight: round, fresh: true });
      });
    }
    // Every agent the sweeper took offline came back with an audited agent.online.
    const { rows: events } = await db.query<{ subject_id: string; types: string[] }>(
      `SELECT subject_id, array_agg(type ORDER BY position) AS types FROM events
        WHERE subject_id LIKE 'race-%' GROUP BY subject_id`,
    );
    for (const { types } of events) {
      for (let i = 0; i < types.length; i += 2) {
        expect(types.slice(i, i + 2)).toEqual(['agent.offline', 'agent.online']);
      }
    }
  });

  it('a flush that fails answers an error to its beats, never 200', async () => {
    const ids = await seed('fail', 40);
    // A real failure inside PostgreSQL: any statement writing in_flight = 666 is refused.
    await db.query(`
      CREATE FUNCTION refuse_beat() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.in_flight = 666 THEN RAISE EXCEPTION 'refused by the test'; END IF;
        RETURN NEW;
      END $$`);
    await db.query(`
      CREATE TRIGGER agents_refuse_beat BEFORE UPDATE ON agents
        FOR EACH ROW EXECUTE FUNCTION refuse_beat()`);
    try {
      const sent = ids.map((_, index) => (index % 10 === 0 ? 666 : index + 1));
      const answers = await Promise.all(
        ids.map((id, index) => beat(id, { status: 'healthy', inFlight: sent[index] })),
      );
      const rows = await rowsOf('fail');
      // Acknowledged means written; an error means not written, as problem+json.
      const outcome = (index: number) => {
        const answer = answers[index];
        const row = rows.get(ids[index])!;
        const written = row.in_flight === sent[index] && row.fresh;
        if (answer.status === 200) return { answered: 'ok', written };
        const problem = /^application\/problem\+json/.test(answer.headers['content-type']);
        return { answered: answer.status >= 500 && problem ? 'error' : answer.status, written };
      };
      const outcomes = ids.map((_, index) => outcome(index));
      expect(outcomes).toEqual(
        outcomes.map(({ answered }) => ({ answered, written: answered === 'ok' })),
      );
      const refused = ids.flatMap((_, index) => (sent[index] === 666 ? [outcomes[index]] : []));
      expect(refused).toEqual(refused.map(() => ({ answered: 'error', written: false })));
    } finally {
      await db.query(`DROP TRIGGER agents_refuse_beat ON agents`);
      await db.query(`DROP FUNCTION refuse_beat()`);
    }
    const again = await beat(ids[0], { status: 'healthy', inFlight: 1 });
    expect(again.status).toBe(200);
  });
});
