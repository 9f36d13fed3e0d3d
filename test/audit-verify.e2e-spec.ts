import { Client } from 'pg';
import { AuditService } from '../src/audit/audit.service';
import { TENANT_VERIFY_MAX_LINKS } from '../src/audit/verify-range';
import { requestContext } from '../src/common/context/request-context';
import { UnitOfWork } from '../src/database/unit-of-work';
import { createKey, startTestApp, TestApp } from './utils/test-app';

interface Verify {
  valid: boolean;
  checked: number;
  firstInvalidSeq: number | null;
  reason: string | null;
  head: { seq: number; hash: string } | null;
}

/** Online verification while the chain grows: it must never cry wolf. */
describe('GET /audit/verify under concurrent writes', () => {
  let test: TestApp;

  beforeAll(async () => {
    test = await startTestApp({ RATE_LIMIT_PER_MINUTE: '1000000' });
  });

  afterAll(async () => {
    await test.close();
  });

  it('reports a healthy chain as valid while writers keep adding entries', async () => {
    // A few hundred entries first, so that one verify spans a sealing now and then.
    for (let i = 0; i < 5; i += 1) {
      await Promise.all(
        Array.from({ length: 40 }, (_, j) =>
          test.http
            .post('/api/v1/tenants')
            .set(test.admin)
            .send({ id: `seed-${i}-${j}`, name: 'Seed' })
            .expect(201),
        ),
      );
    }

    let writing = true;
    let written = 0;
    const writer = async (name: string) => {
      while (writing) {
        const response = await test.http
          .post('/api/v1/tenants')
          .set(test.admin)
          .send({ id: `${name}-${written}`, name: 'Writer' });
        expect(response.status).toBe(201);
        written += 1;
        await new Promise((done) => setTimeout(done, 20));
      }
    };
    const writers = ['w1', 'w2', 'w3'].map((name) => writer(name));

    const results: Verify[] = [];
    try {
      // At least 20 calls each, and on until the verifies have seen the chain grow (the sealer
      // goes round every 200 ms; 40 verifies can all fall between two of its rounds).
      const grew = () => new Set(results.map((result) => result.head?.seq)).size > 1;
      const deadline = Date.now() + 20_000;
      const verifier = async () => {
        for (let call = 0; call < 20 || (!grew() && Date.now() < deadline); call += 1) {
          const response = await test.http.get('/api/v1/audit/verify').set(test.admin);
          expect(response.status).toBe(200);
          results.push(response.body.data as Verify);
        }
      };
      await Promise.all([verifier(), verifier()]);
    } finally {
      writing = false;
      await Promise.all(writers);
    }

    expect(written).toBeGreaterThan(10);
    const alarms = results.filter((result) => !result.valid);
    expect(alarms).toEqual([]);
    // The chain did grow under the verifies: the heads they saw differ.
    expect(new Set(results.map((result) => result.head?.seq)).size).toBeGreaterThan(1);
  });
});

/** The chain is global: a tenant's key must not make the service re-hash all of it per call. */
describe('GET /audit/verify bounds per caller', () => {
  let test: TestApp;
  let db: Client;
  let tenantReader: { authorization: string };
  let head: number;

  beforeAll(async () => {
    test = await startTestApp({ RATE_LIMIT_PER_MINUTE: '1000000' });
    db = new Client({ connectionString: test.db.url });
    await db.connect();
    // A history longer than one tenant call may check, written the way the service writes it.
    const audit = test.app.get(AuditService);
    const unitOfWork = test.app.get(UnitOfWork);
    await requestContext.run({ correlationId: 'verify-bounds', tenantId: 'default' }, () =>
      unitOfWork.run(async (tx) => {
        for (let i = 0; i < TENANT_VERIFY_MAX_LINKS + 500; i += 1) {
          await audit.record(tx, { action: 'test.bulk', resource: { type: 'test', id: `${i}` } });
        }
      }),
    );
    const created = await test.http
      .post('/api/v1/tenants')
      .set(test.admin)
      .send({ id: 'acme', name: 'Acme' });
    expect(created.status).toBe(201);
    tenantReader = await createKey(test, {
      scopes: ['audit:read'],
      tenantId: 'acme',
    });
    head = await sealed();
  });

  afterAll(async () => {
    await db.end();
    await test.close();
  });

  /** Waits until every committed entry is chained; returns the head's seq. */
  async function sealed(): Promise<number> {
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const { rows } = await db.query<{ unsealed: string; head: string | null }>(
        `SELECT (SELECT count(*) FROM audit_entries e WHERE NOT EXISTS
                   (SELECT 1 FROM audit_chain c WHERE c.entry_id = e.id)) AS unsealed,
                (SELECT max(seq) FROM audit_chain) AS head`,
      );
      if (rows[0].unsealed === '0') return Number(rows[0].head);
      await new Promise((done) => setTimeout(done, 100));
    }
    throw new Error('the sealer did not seal every entry in 20 s');
  }

  async function verify(headers: { authorization: string }, query = '') {
    return test.http.get(`/api/v1/audit/verify${query}`).set(headers);
  }

  it('checks at most the newest TENANT_VERIFY_MAX_LINKS links for a tenant key', async () => {
    const response = await verify(tenantReader);
    expect(response.status).toBe(200);
    expect(response.body.data).toMatchObject({
      valid: true,
      checked: TENANT_VERIFY_MAX_LINKS,
      head: { seq: head },
    });
  });

  it('extends a single bound by the cap, and refuses a wider range with a 400 problem', async () => {
    const from = await verify(tenantReader, '?fromSeq=1');
    expect(from.status).toBe(200);
    expect(from.body.data).toMatchObject({ valid: true, checked: TENANT_VERIFY_MAX_LINKS });

    const to = await verify(tenantReader, `?toSeq=${head}`);
    expect(to.status).toBe(200);
    expect(to.body.data).toMatchObject({ valid: true, checked: TENANT_VERIFY_MAX_LINKS });

    const exact = await verify(tenantReader, `?fromSeq=2&toSeq=${TENANT_VERIFY_MAX_LINKS + 1}`);
    expect(exact.status).toBe(200);
    expect(exact.body.data).toMatchObject({ valid: true, checked: TENANT_VERIFY_MAX_LINKS });

    for (const query of [
      `?fromSeq=1&toSeq=${TENANT_VERIFY_MAX_LINKS + 1}`,
      '?fromSeq=1&toSeq=9007199254740991',
      '?fromSeq=9&toSeq=3',
      `?fromSeq=${head + 2}`,
      '?toSeq=-1',
      '?fromSeq=1.5',
    ]) {
      const refused = await verify(tenantReader, query);
      expect({ query, status: refused.status }).toEqual({ query, status: 400 });
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(refused.body).toMatchObject({ status: 400, correlationId: expect.any(String) });
    }
    const tooWide = await verify(tenantReader, `?fromSeq=1&toSeq=${head}`);
    expect(tooWide.body.detail).toContain(`${TENANT_VERIFY_MAX_LINKS}`);
  });

  it('still verifies the whole chain for platform admins', async () => {
    const response = await verify(test.admin);
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({
      valid: true,
      checked: head,
      firstInvalidSeq: null,
      reason: null,
      head: { seq: head, hash: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    const wide = await verify(test.admin, `?fromSeq=1&toSeq=${head}`);
    expect(wide.body.data).toMatchObject({ valid: true, checked: head });
  });
});
