import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import { chainHash, GENESIS_HASH, SealedFields } from '../src/audit/audit-hash';
import { parseSigningKey, publicKeyBase64 } from '../src/audit/audit-signing';
import { verifyExport } from '../src/audit/export-verifier';
import { testKeyFile } from './utils/spawn-app';
import { createKey, startTestApp, TestApp } from './utils/test-app';

interface Verify {
  valid: boolean;
  checked: number;
  firstInvalidSeq: number | null;
  reason: string | null;
  head: { seq: number; hash: string } | null;
}

interface CliResult extends Verify {
  line: number | null;
}

/**
 * What an attacker with the database can do beyond editing a row: cut the tail, reorder,
 * truncate, roll everything back to an older backup. Each is caught online (GET /audit/verify)
 * and offline (the CLI on an export, with checkpoints fetched earlier and the pinned key).
 */
describe('audit tampering beyond single rows', () => {
  const keyFile = testKeyFile();
  let test: TestApp;
  let db: Client;
  let dir: string;
  let publicKey: string;

  beforeAll(async () => {
    test = await startTestApp({ AUDIT_KEY_FILE: keyFile, RATE_LIMIT_PER_MINUTE: '100000' });
    db = new Client({ connectionString: test.db.url });
    await db.connect();
    dir = mkdtempSync(join(tmpdir(), 'audit-tamper-'));
    // Several batches, so that there are several checkpoints.
    for (let i = 0; i < 6; i += 1) {
      const created = await test.http
        .post('/api/v1/tenants')
        .set(test.admin)
        .send({ id: `tamper-${i}`, name: `Tamper ${i}` });
      expect(created.status).toBe(201);
      await sealed();
    }
  });

  afterAll(async () => {
    await db.end();
    await test.close();
  });

  async function sealed(): Promise<number> {
    for (let attempt = 0; attempt < 150; attempt += 1) {
      const { rows } = await db.query<{ unsealed: string; head: string | null }>(
        `SELECT (SELECT count(*) FROM audit_entries e WHERE NOT EXISTS
                   (SELECT 1 FROM audit_chain c WHERE c.entry_id = e.id)) AS unsealed,
                (SELECT max(seq) FROM audit_chain) AS head`,
      );
      if (rows[0].unsealed === '0') return Number(rows[0].head);
      await new Promise((done) => setTimeout(done, 100));
    }
    throw new Error('the sealer did not seal every entry in 15 s');
  }

  async function verify(): Promise<Verify> {
    const response = await test.http.get('/api/v1/audit/verify').set(test.admin);
    expect(response.status).toBe(200);
    return response.body.data as Verify;
  }

  /** Exports the whole chain now and verifies it with the built CLI. */
  async function offline(checkpointsFile: string): Promise<CliResult> {
    const exported = await test.http.get('/api/v1/audit/export?all=true').set(test.admin);
    const file = join(dir, `export-${Date.now()}.ndjson`);
    writeFileSync(file, exported.text);
    try {
      return JSON.parse(
        execFileSync(
          'node',
          [
            'dist/src/audit/verify-export.cli.js',
            '--json',
            '--file',
            file,
            '--complete',
            '--checkpoints',
            checkpointsFile,
            '--public-key',
            publicKey,
          ],
          { encoding: 'utf8' },
        ),
      ) as CliResult;
    } catch (error) {
      return JSON.parse((error as { stdout: string }).stdout) as CliResult;
    }
  }

  /** Runs `work` as a superuser with the append-only triggers off, then puts them back. */
  async function asAttacker(work: () => Promise<void>): Promise<void> {
    await db.query('SET session_replication_role = replica');
    try {
      await work();
    } finally {
      await db.query('SET session_replication_role = origin');
    }
  }

  /** Takes rows out and returns a function that puts them back exactly. */
  async function cut(
    table: string,
    where: string,
    params: unknown[],
  ): Promise<() => Promise<void>> {
    const { rows } = await db.query<{ row: unknown }>(
      `DELETE FROM ${table} t WHERE ${where} RETURNING row_to_json(t) AS row`,
      params,
    );
    return async () => {
      for (const { row } of rows) {
        await db.query(
          `INSERT INTO ${table} SELECT * FROM json_populate_record(null::${table}, $1::json)`,
          [JSON.stringify(row)],
        );
      }
    };
  }

  /** Links the entries `ids` anew from seq 1, as a sealer would, without signing anything. */
  async function rechain(ids: string[]): Promise<void> {
    let prevHash = GENESIS_HASH;
    for (const [index, id] of ids.entries()) {
      const { rows } = await db.query<Omit<SealedFields, 'seq'>>(
        `SELECT e.id, e.tenant_id AS "tenantId", e.occurred_at AS "occurredAt",
                e.actor_type AS "actorType", e.actor_id AS "actorId", e.action,
                e.resource_type AS "resourceType", e.resource_id AS "resourceId",
                e.correlation_id AS "correlationId", e.ip, e.user_agent AS "userAgent",
                e.before::text AS before, e.after::text AS after
           FROM audit_entries e WHERE e.id = $1`,
        [id],
      );
      const seq = String(index + 1);
      const hash = chainHash(prevHash, { ...rows[0], seq });
      await db.query(
        'INSERT INTO audit_chain (seq, entry_id, prev_hash, hash) VALUES ($1, $2, $3, $4)',
        [seq, id, prevHash, hash],
      );
      prevHash = hash;
    }
  }

  it('signs with a key generated on first start, kept in AUDIT_KEY_FILE and reused', async () => {
    expect(existsSync(keyFile)).toBe(true);
    publicKey = publicKeyBase64(parseSigningKey(readFileSync(keyFile, 'utf8')));
    const response = await test.http.get('/api/v1/audit/checkpoints?limit=200').set(test.admin);
    const checkpoints = response.body.data.checkpoints as Array<{
      publicKey: string;
      keyId: string;
    }>;
    expect(checkpoints.length).toBeGreaterThanOrEqual(3);
    for (const checkpoint of checkpoints) {
      expect(checkpoint.publicKey).toBe(publicKey);
      expect(checkpoint.keyId).toMatch(/^[0-9a-f]{16}$/);
    }
    writeFileSync(join(dir, 'checkpoints.json'), JSON.stringify(response.body));
    expect(await verify()).toMatchObject({ valid: true });
    expect(await offline(join(dir, 'checkpoints.json'))).toMatchObject({ valid: true });

    // A second process on the same key file signs with the same key.
    const again = await startTestApp({ AUDIT_KEY_FILE: keyFile }, { db: test.db });
    try {
      await again.http
        .post('/api/v1/tenants')
        .set(again.admin)
        .send({ id: 'tamper-again', name: 'A' });
      await sealed();
      const latest = await again.http.get('/api/v1/audit/checkpoints?limit=1').set(again.admin);
      expect(latest.body.data.checkpoints[0].publicKey).toBe(publicKey);
    } finally {
      await again.app.close();
    }
    const refreshed = await test.http.get('/api/v1/audit/checkpoints?limit=200').set(test.admin);
    writeFileSync(join(dir, 'checkpoints.json'), JSON.stringify(refreshed.body));
  });

  it('reordered rows', async () => {
    const head = await sealed();
    /** Swaps which entries seq 2 and seq 3 point at, links otherwise untouched. */
    const swap = async () => {
      const { rows } = await db.query<{
        seq: string;
        entry_id: string;
        prev_hash: string;
        hash: string;
      }>(
        'DELETE FROM audit_chain WHERE seq IN (2, 3) RETURNING seq::text AS seq, entry_id, prev_hash, hash',
      );
      const [two, three] = rows.sort((a, b) => Number(a.seq) - Number(b.seq));
      for (const [link, entryId] of [
        [two, three.entry_id],
        [three, two.entry_id],
      ] as const) {
        await db.query(
          'INSERT INTO audit_chain (seq, entry_id, prev_hash, hash) VALUES ($1, $2, $3, $4)',
          [link.seq, entryId, link.prev_hash, link.hash],
        );
      }
    };
    await asAttacker(swap);
    expect(await verify()).toMatchObject({
      valid: false,
      firstInvalidSeq: 2,
      reason: 'hash_mismatch',
    });
    expect(await offline(join(dir, 'checkpoints.json'))).toMatchObject({
      valid: false,
      firstInvalidSeq: 2,
      reason: 'hash_mismatch',
    });
    await asAttacker(swap);
    expect(await verify()).toMatchObject({ valid: true, head: { seq: head } });
  });

  it('a deleted tail (entries and links) is cut short of the signed head', async () => {
    const head = await sealed();
    let restore: Array<() => Promise<void>> = [];
    await asAttacker(async () => {
      restore = [
        await cut('audit_entries', `id IN (SELECT entry_id FROM audit_chain WHERE seq > $1)`, [
          head - 2,
        ]),
        await cut('audit_chain', 'seq > $1', [head - 2]),
      ];
    });
    expect(await verify()).toMatchObject({
      valid: false,
      firstInvalidSeq: head - 1,
      reason: 'chain_truncated',
      head: { seq: head - 2 },
    });
    expect(await offline(join(dir, 'checkpoints.json'))).toMatchObject({
      valid: false,
      firstInvalidSeq: head - 1,
      reason: 'chain_truncated',
    });
    await asAttacker(async () => {
      for (const put of restore.reverse()) await put();
    });
    expect(await verify()).toMatchObject({ valid: true, head: { seq: head } });
  });

  it('a truncated chain table', async () => {
    const head = await sealed();
    let restore: () => Promise<void> = async () => undefined;
    await asAttacker(async () => {
      const { rows } = await db.query('SELECT row_to_json(c) AS row FROM audit_chain c');
      await db.query('TRUNCATE audit_chain');
      restore = async () => {
        for (const { row } of rows) {
          await db.query(
            'INSERT INTO audit_chain SELECT * FROM json_populate_record(null::audit_chain, $1::json)',
            [JSON.stringify(row)],
          );
        }
      };
    });
    // The sealer cannot quietly re-chain the entries: the checkpoints at those seqs remain.
    const online = await verify();
    expect(online).toMatchObject({ valid: false, firstInvalidSeq: 1, reason: 'chain_truncated' });
    await asAttacker(async () => {
      await db.query('TRUNCATE audit_chain');
      await restore();
    });
    expect(await verify()).toMatchObject({ valid: true, head: { seq: head } });
  });

  it('an older backup restored (entries, links and checkpoints all rolled back)', async () => {
    const head = await sealed();
    const { rows } = await db.query<{ seq: string }>(
      'SELECT seq::text AS seq FROM audit_checkpoints ORDER BY seq DESC OFFSET 2 LIMIT 1',
    );
    const backupSeq = Number(rows[0].seq);
    expect(backupSeq).toBeLessThan(head);
    let restore: Array<() => Promise<void>> = [];
    await asAttacker(async () => {
      restore = [
        await cut('audit_entries', `id IN (SELECT entry_id FROM audit_chain WHERE seq > $1)`, [
          backupSeq,
        ]),
        await cut('audit_chain', 'seq > $1', [backupSeq]),
        await cut('audit_checkpoints', 'seq > $1', [backupSeq]),
      ];
    });
    // Self-consistent: the database alone cannot tell; the anchor outside it can.
    expect(await verify()).toMatchObject({
      valid: false,
      firstInvalidSeq: backupSeq + 1,
      reason: 'chain_truncated',
      head: { seq: backupSeq },
    });
    // Offline, the checkpoints fetched before the restore do the same.
    expect(await offline(join(dir, 'checkpoints.json'))).toMatchObject({
      valid: false,
      firstInvalidSeq: backupSeq + 1,
      reason: 'chain_truncated',
    });
    await asAttacker(async () => {
      for (const put of restore.reverse()) await put();
    });
    expect(await verify()).toMatchObject({ valid: true, head: { seq: head } });
  });

  it('a history rewritten from seq 1 (checkpoints deleted, every hash recomputed), and not signed', async () => {
    const head = await sealed();
    const { rows: order } = await db.query<{ id: string }>(
      'SELECT entry_id AS id FROM audit_chain ORDER BY seq',
    );
    let restore: Array<() => Promise<void>> = [];
    await asAttacker(async () => {
      const { rows: first } = await db.query<{ after: string | null }>(
        'SELECT after::text AS after FROM audit_entries WHERE id = $1',
        [order[0].id],
      );
      restore = [
        await cut('audit_checkpoints', 'true', []),
        await cut('audit_chain', 'true', []),
        async () => {
          await db.query('UPDATE audit_entries SET after = $2::jsonb WHERE id = $1', [
            order[0].id,
            first[0].after,
          ]);
        },
      ];
      // The forgery: the first entry says something else, and the chain is hashed anew.
      await db.query(`UPDATE audit_entries SET after = '{"forged": true}'::jsonb WHERE id = $1`, [
        order[0].id,
      ]);
      await rechain(order.map((row) => row.id));
    });
    expect(await verify()).toMatchObject({
      valid: false,
      firstInvalidSeq: 1,
      reason: 'anchor_mismatch',
      head: { seq: head },
    });
    // The sealer does not sign entries onto the forged chain.
    const created = await test.http
      .post('/api/v1/tenants')
      .set(test.admin)
      .send({ id: 'tamper-rewritten', name: 'After the rewrite' });
    expect(created.status).toBe(201);
    await new Promise((done) => setTimeout(done, 1_500));
    const { rows: signed } = await db.query<{ count: string; links: string }>(
      `SELECT (SELECT count(*) FROM audit_checkpoints)::text AS count,
              (SELECT count(*) FROM audit_chain)::text AS links`,
    );
    expect(signed[0]).toEqual({ count: '0', links: String(head) });
    await asAttacker(async () => {
      await db.query('DELETE FROM audit_chain');
      for (const put of restore.reverse()) await put();
    });
    // Once the chain is what was signed, the waiting entry is sealed onto it.
    expect(await sealed()).toBe(head + 1);
    expect(await verify()).toMatchObject({ valid: true, head: { seq: head + 1 } });
  });

  it('a chain emptied entirely (entries, links and checkpoints)', async () => {
    const head = await sealed();
    let restore: Array<() => Promise<void>> = [];
    await asAttacker(async () => {
      restore = [
        await cut('audit_checkpoints', 'true', []),
        await cut('audit_chain', 'true', []),
        await cut('audit_entries', 'true', []),
      ];
    });
    expect(await verify()).toMatchObject({
      valid: false,
      firstInvalidSeq: 1,
      reason: 'chain_truncated',
      head: null,
    });
    await asAttacker(async () => {
      for (const put of restore.reverse()) await put();
    });
    expect(await verify()).toMatchObject({ valid: true, head: { seq: head } });
  });

  it("a deleted entry is missing in its tenant's export, not taken for another tenant's", async () => {
    const tenant = await createKey(test, {
      tenantId: 'tamper-0',
      scopes: ['audit:read', 'agents:write'],
    });
    for (const name of ['first', 'second']) {
      const agent = await test.http
        .post('/api/v1/agents')
        .set({ authorization: tenant.authorization })
        .send({ id: `tamper-${name}`, name, skills: [{ id: 'audit', name: 'Audit' }] });
      expect(agent.status).toBe(201);
    }
    await sealed();
    const exportOf = () =>
      test.http.get('/api/v1/audit/export').set({ authorization: tenant.authorization });
    const own = (await exportOf()).text.trim().split('\n');
    expect(own.length).toBeGreaterThanOrEqual(3);
    expect(verifyExport(own)).toMatchObject({ valid: true });
    const victim = JSON.parse(own[own.length - 2]) as { id: string; seq: string };
    let restore: () => Promise<void> = async () => undefined;
    await asAttacker(async () => {
      restore = await cut('audit_entries', 'id = $1', [victim.id]);
    });
    expect(verifyExport((await exportOf()).text.split('\n'))).toMatchObject({
      valid: false,
      firstInvalidSeq: Number(victim.seq),
      reason: 'missing_entry',
    });
    // The whole chain says the same, as the online verify does.
    expect(await offline(join(dir, 'checkpoints.json'))).toMatchObject({
      valid: false,
      firstInvalidSeq: Number(victim.seq),
      reason: 'missing_entry',
    });
    expect(await verify()).toMatchObject({
      valid: false,
      firstInvalidSeq: Number(victim.seq),
      reason: 'missing_entry',
    });
    await asAttacker(restore);
    expect(await verify()).toMatchObject({ valid: true });
  });

  it('prints a CloudTrail-style report', async () => {
    const exported = await test.http.get('/api/v1/audit/export?all=true').set(test.admin);
    const file = join(dir, 'report.ndjson');
    writeFileSync(file, exported.text);
    const report = execFileSync(
      'node',
      ['dist/src/audit/verify-export.cli.js', '--file', file, '--complete'],
      { encoding: 'utf8' },
    );
    const lines = exported.text.trim().split('\n').length;
    expect(report).toContain(`Results: ${lines}/${lines} entries valid`);
    expect(report).toContain('The export is VALID.');
    writeFileSync(file, exported.text.replace('"tamper-3"', '"tamper-X"'));
    let failed = '';
    try {
      execFileSync('node', ['dist/src/audit/verify-export.cli.js', '--file', file], {
        encoding: 'utf8',
      });
    } catch (error) {
      failed = (error as { stdout: string }).stdout;
    }
    expect(failed).toMatch(/First break at seq \d+ \(line \d+\): hash_mismatch/);
    expect(failed).toContain('The export is INVALID.');
  });
  // Last: it leaves the chain as restored.
  it('an older backup accepted on purpose: the anchor moved aside, sealing resumes without a restart', async () => {
    await sealed();
    const { rows } = await db.query<{ seq: string }>(
      'SELECT seq::text AS seq FROM audit_checkpoints ORDER BY seq DESC OFFSET 2 LIMIT 1',
    );
    const backupSeq = Number(rows[0].seq);
    await asAttacker(async () => {
      await cut('audit_entries', `id IN (SELECT entry_id FROM audit_chain WHERE seq > $1)`, [
        backupSeq,
      ]);
      await cut('audit_chain', 'seq > $1', [backupSeq]);
      await cut('audit_checkpoints', 'seq > $1', [backupSeq]);
    });
    const created = await test.http
      .post('/api/v1/tenants')
      .set(test.admin)
      .send({ id: 'tamper-accepted', name: 'After the restore' });
    expect(created.status).toBe(201);
    await new Promise((done) => setTimeout(done, 1_000));
    // Not sealed onto the chain that ends before what this replica signed.
    expect(await verify()).toMatchObject({ valid: false, reason: 'chain_truncated' });
    const { rows: waiting } = await db.query<{ head: string }>(
      'SELECT max(seq)::text AS head FROM audit_chain',
    );
    expect(Number(waiting[0].head)).toBe(backupSeq);
    const anchorFile = join(dirname(keyFile), 'audit-anchor.json');
    renameSync(anchorFile, join(dir, 'audit-anchor.json.incident'));
    expect(await sealed()).toBeGreaterThan(backupSeq);
    expect(await verify()).toMatchObject({ valid: true });
    expect(existsSync(anchorFile)).toBe(true);
  });
});
