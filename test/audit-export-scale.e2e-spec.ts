import { Client } from 'pg';
import { AUDIT_NOW_SQL } from '../src/audit/audit-time';
import { AuditService, EXPORT_WINDOW_LINKS, TENANT_EXPORT_SQL } from '../src/audit/audit.service';
import { startTestApp, TestApp } from './utils/test-app';

type PlanNode = {
  'Relation Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  Plans?: PlanNode[];
};

/**
 * A tenant's export over a chain that grew in a burst, before PostgreSQL's statistics caught
 * up: each of its statements once read every entry of the tenant to sort out a batch of 2,000
 * (133,000 entries read per batch of a 133,000-entry tenant: near the statement timeout, and
 * past it as the chain grew).
 */
describe('a tenant audit export over a chain that grew in a burst', () => {
  let test: TestApp;
  let db: Client;

  const insert = (tenantId: string, count: number) =>
    db.query(
      `INSERT INTO audit_entries (id, tenant_id, occurred_at, actor_type, actor_id, action,
         resource_type, resource_id, txid)
       SELECT gen_random_uuid(), $1, ${AUDIT_NOW_SQL}, 'apiKey', 'burst', 'api_key.create',
              'api_key', g::text, pg_current_xact_id()::text::bigint
         FROM generate_series(1, $2::int) g`,
      [tenantId, count],
    );

  /** Waits until every committed entry is chained. */
  const sealed = async () => {
    for (let attempt = 0; attempt < 600; attempt += 1) {
      const { rows } = await db.query<{ unsealed: string }>(
        `SELECT count(*) AS unsealed FROM audit_entries e
          WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.entry_id = e.id)`,
      );
      if (rows[0].unsealed === '0') return;
      await new Promise((done) => setTimeout(done, 100));
    }
    throw new Error('the sealer did not seal every entry in 60 s');
  };

  /** Rows a statement read from audit_entries, by its plan as run. */
  const entriesRead = async (sql: string, values: unknown[]) => {
    const { rows } = await db.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(
      `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`,
      values,
    );
    const walk = (node: PlanNode): number =>
      (node['Relation Name'] === 'audit_entries' ? node['Actual Rows'] * node['Actual Loops'] : 0) +
      (node.Plans ?? []).reduce((sum, child) => sum + walk(child), 0);
    return walk(rows[0]['QUERY PLAN'][0].Plan);
  };

  beforeAll(async () => {
    test = await startTestApp({ RATE_LIMIT_PER_MINUTE: '1000000' });
    db = new Client({ connectionString: test.db.url });
    await db.connect();
  });

  afterAll(async () => {
    await db.end();
    await test.close();
  });

  it('reads a window of links per statement, whatever the statistics say', async () => {
    // Statistics taken while the tenant had a hundred entries among many, and kept.
    for (const table of ['audit_entries', 'audit_chain']) {
      await db.query(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`);
    }
    await insert('other', 10_000);
    await insert('acme', 100);
    await sealed();
    await db.query('ANALYZE audit_entries');
    await db.query('ANALYZE audit_chain');
    await insert('acme', 30_000);
    await sealed();

    const window = ['acme', '0', String(EXPORT_WINDOW_LINKS)];
    // Each link's entry at most twice: its tenant, then its fields when it is the tenant's.
    expect(await entriesRead(TENANT_EXPORT_SQL, window)).toBeLessThanOrEqual(
      2 * EXPORT_WINDOW_LINKS,
    );

    const seqs: bigint[] = [];
    for await (const row of test.app.get(AuditService).exportSealed('acme')) {
      expect(row).toMatchObject({ tenantId: 'acme' });
      seqs.push(BigInt(row.seq!));
    }
    expect(seqs).toHaveLength(30_100);
    expect(seqs.every((seq, i) => i === 0 || seq > seqs[i - 1])).toBe(true);
  });
});
