import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { chainHash, SealedFields } from '../src/audit/audit-hash';
import {
  checkpointSignatureValid,
  parseSigningKey,
  publicKeyBase64,
} from '../src/audit/audit-signing';
import { AuditSealer } from '../src/audit/audit-sealer';
import { AuditService } from '../src/audit/audit.service';
import { verifyExport } from '../src/audit/export-verifier';
import { requestContext } from '../src/common/context/request-context';
import { UnitOfWork } from '../src/database/unit-of-work';
import { planNodes } from './utils/plans';
import { createKey, startTestApp, TestApp } from './utils/test-app';

interface Verify {
  valid: boolean;
  checked: number;
  firstInvalidSeq: number | null;
  reason: string | null;
  head: { seq: number; hash: string } | null;
}

describe('audit trail', () => {
  let test: TestApp;
  let db: Client;

  beforeAll(async () => {
    // Key creation is limited per key, tenant creation is not: the parallel test uses tenants.
    test = await startTestApp({ RATE_LIMIT_PER_MINUTE: '100000' });
    db = new Client({ connectionString: test.db.url });
    await db.connect();
  });

  afterAll(async () => {
    await db.end();
    await test.close();
  });

  async function verify(query = ''): Promise<Verify> {
    const response = await test.http.get(`/api/v1/audit/verify${query}`).set(test.admin);
    expect(response.status).toBe(200);
    return response.body.data as Verify;
  }

  /** Waits until the sealer has chained every committed entry. */
  async function waitSealed(): Promise<Verify> {
    for (let attempt = 0; attempt < 150; attempt += 1) {
      const { rows } = await db.query<{ unsealed: string }>(
        `SELECT count(*) AS unsealed FROM audit_entries e
          WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.entry_id = e.id)`,
      );
      if (rows[0].unsealed === '0') return verify();
      await new Promise((done) => setTimeout(done, 100));
    }
    throw new Error('the sealer did not seal every entry in 15 s');
  }

  async function seqOf(resourceId: string): Promise<number> {
    const { rows } = await db.query<{ seq: string }>(
      `SELECT c.seq FROM audit_chain c JOIN audit_entries e ON e.id = c.entry_id
        WHERE e.resource_id = $1`,
      [resourceId],
    );
    return Number(rows[0].seq);
  }

  it('records key creation with actor, correlation id and ip, never the key', async () => {
    const response = await test.http
      .post('/api/v1/api-keys')
      .set({ ...test.admin, 'x-request-id': 'audit-e2e-create-1', 'user-agent': 'audit-e2e' })
      .send({ name: 'audited', scopes: ['audit:read'] });
    expect(response.status).toBe(201);
    const { id, key } = response.body.data as { id: string; key: string };

    await waitSealed();
    const list = await test.http
      .get(`/api/v1/audit?resourceType=api_key&resourceId=${id}`)
      .set(test.admin);
    expect(list.status).toBe(200);
    const entries = list.body.data.entries as Array<Record<string, unknown>>;
    expect(entries).toHaveLength(1);
    const [{ rows: adminKey }] = [
      await db.query<{ id: string }>(`SELECT id FROM api_keys WHERE name = 'admin'`),
    ];
    expect(entries[0]).toMatchObject({
      action: 'api_key.create',
      tenantId: 'default',
      actor: { type: 'apiKey', id: adminKey[0].id },
      resource: { type: 'api_key', id },
      correlationId: 'audit-e2e-create-1',
      ip: '127.0.0.1',
      userAgent: 'audit-e2e',
      after: { id, name: 'audited', scopes: ['audit:read'], tenantId: 'default' },
      seq: expect.any(Number),
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(entries[0].occurredAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const { rows: stored } = await db.query<{ key_hash: string; prefix: string }>(
      'SELECT key_hash, prefix FROM api_keys WHERE id = $1',
      [id],
    );
    const raw = JSON.stringify(entries[0]);
    expect(raw).not.toContain(key);
    expect(raw).not.toContain(stored[0].key_hash);
    expect(raw).not.toContain(stored[0].prefix);
  });

  it('records revoke and rotate, and filters by action and time', async () => {
    const created = await createKey(test, { scopes: ['agents:read'] });
    const rotated = await test.http
      .post(`/api/v1/api-keys/${created.id}/rotate`)
      .set(test.admin)
      .send({ overlapSeconds: 0 });
    expect(rotated.status).toBe(201);
    const successor = (rotated.body.data as { id: string }).id;
    expect((await test.http.delete(`/api/v1/api-keys/${successor}`).set(test.admin)).status).toBe(
      204,
    );
    const since = new Date(Date.now() - 60_000).toISOString();
    const rotations = await test.http
      .get(`/api/v1/audit?action=api_key.rotate&resourceId=${created.id}&from=${since}`)
      .set(test.admin);
    expect(rotations.body.data.entries).toEqual([
      expect.objectContaining({
        action: 'api_key.rotate',
        after: expect.objectContaining({ rotatedTo: successor }),
      }),
    ]);
    // The successor's own history begins with its issue, naming the key it succeeds.
    const issues = await test.http
      .get(`/api/v1/audit?action=api_key.create&resourceId=${successor}`)
      .set(test.admin);
    expect(issues.body.data.entries).toEqual([
      expect.objectContaining({
        resource: { type: 'api_key', id: successor },
        after: expect.objectContaining({
          id: successor,
          scopes: ['agents:read'],
          rotatedFrom: created.id,
        }),
      }),
    ]);
    const revocations = await test.http
      .get(`/api/v1/audit?action=api_key.revoke&resourceId=${successor}`)
      .set(test.admin);
    expect(revocations.body.data.entries).toEqual([
      expect.objectContaining({
        before: expect.objectContaining({ revokedAt: null }),
        after: expect.objectContaining({ revokedAt: expect.any(String) }),
      }),
    ]);
    const past = await test.http
      .get(`/api/v1/audit?resourceId=${created.id}&to=2000-01-01T00:00:00Z`)
      .set(test.admin);
    expect(past.body.data.entries).toEqual([]);
    // Bounds are exact to the microsecond, the precision entries are stored and shown with.
    const at = rotations.body.data.entries[0].occurredAt as string;
    expect(at).toMatch(/\.\d{6}Z$/);
    // The instant as microseconds since the epoch, and back as text in a zone (`Z`, `+02:00`).
    const micros = Date.parse(`${at.slice(0, 23)}Z`) * 1000 + Number(at.slice(23, 26));
    const written = (value: number, offsetHours = 0) => {
      const local = new Date(Math.floor(value / 1000) + offsetHours * 3_600_000).toISOString();
      const zone = offsetHours === 0 ? 'Z' : `+${String(offsetHours).padStart(2, '0')}:00`;
      return encodeURIComponent(
        `${local.slice(0, 23)}${String(value % 1000).padStart(3, '0')}${zone}`,
      );
    };
    const window = async (query: string) =>
      (
        await test.http
          .get(`/api/v1/audit?action=api_key.rotate&resourceId=${created.id}&${query}`)
          .set(test.admin)
      ).body.data.entries.length as number;
    expect(await window(`to=${written(micros + 1)}`)).toBe(1);
    expect(await window(`to=${written(micros)}`)).toBe(0);
    expect(await window(`from=${written(micros + 1)}`)).toBe(0);
    expect(await window(`from=${written(micros)}`)).toBe(1);
    // An offset other than Z names the same instant.
    expect(await window(`from=${written(micros, 2)}`)).toBe(1);
    expect(await window(`from=${written(micros + 1, 2)}`)).toBe(0);
  });

  it('pages with a cursor and shows a tenant only its own entries', async () => {
    const first = await test.http.get('/api/v1/audit?limit=1').set(test.admin);
    expect(first.body.data.entries).toHaveLength(1);
    expect(first.body.meta.nextCursor).toEqual(expect.any(String));
    const second = await test.http
      .get(`/api/v1/audit?limit=1&cursor=${first.body.meta.nextCursor}`)
      .set(test.admin);
    expect(second.body.data.entries).toHaveLength(1);
    expect(second.body.data.entries[0].id).not.toBe(first.body.data.entries[0].id);

    expect(
      (await test.http.post('/api/v1/tenants').set(test.admin).send({ id: 'other', name: 'O' }))
        .status,
    ).toBe(201);
    const reader = await createKey(test, { scopes: ['audit:read'], tenantId: 'other' });
    const own = await test.http.get('/api/v1/audit').set({ authorization: reader.authorization });
    expect(own.status).toBe(200);
    const tenants = (own.body.data.entries as Array<{ tenantId: string }>).map((e) => e.tenantId);
    expect(tenants.length).toBeGreaterThan(0);
    expect(new Set(tenants)).toEqual(new Set(['other']));
  });

  it('answers 400 problem+json to bad queries', async () => {
    for (const query of [
      '?from=yesterday',
      // An empty page for a period that ends before it starts would read as "nothing happened".
      '?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z',
      '?from=2026-12-01T00:00:00Z&to=2026-12-01T00:00:00Z',
      // Read in the server's own zone: another instant on a server elsewhere.
      '?from=2026-12-01T00:00:00',
      '?to=12/01/2026',
      // ISO 8601 forms a timestamp cannot be read from exactly.
      '?from=2026-W49-5T04:43:02Z',
      '?from=2026-12-04T04:43:02,5Z',
      '?limit=0',
      '?cursor=garbage',
      '/verify?fromSeq=0',
      '/verify?fromSeq=abc',
      '/verify?fromSeq=1e2',
      '/verify?fromSeq=0x10',
      '/verify?fromSeq=',
      '/verify?fromSeq=5&toSeq=2',
    ]) {
      const response = await test.http.get(`/api/v1/audit${query}`).set(test.admin);
      expect([query, response.status, response.headers['content-type']]).toEqual([
        query,
        400,
        expect.stringContaining('application/problem+json'),
      ]);
    }
  });

  it('leaves no entry for a change that rolled back', async () => {
    const audit = test.app.get(AuditService);
    const unitOfWork = test.app.get(UnitOfWork);
    await expect(
      unitOfWork.run(async (tx) => {
        await audit.record(tx, {
          action: 'test.rolled_back',
          resource: { type: 'test', id: 'rolled-back-1' },
        });
        throw new Error('the change fails after its audit entry');
      }),
    ).rejects.toThrow('the change fails');
    const { rows } = await db.query(`SELECT 1 FROM audit_entries WHERE resource_id = $1`, [
      'rolled-back-1',
    ]);
    expect(rows).toHaveLength(0);

    const duplicate = await test.http
      .post('/api/v1/tenants')
      .set(test.admin)
      .send({ id: 'other', name: 'again' });
    expect(duplicate.status).toBe(409);
    const { rows: creations } = await db.query(
      `SELECT 1 FROM audit_entries WHERE action = 'tenant.create' AND resource_id = 'other'`,
    );
    expect(creations).toHaveLength(1);
  });

  it('chains the entries of one transaction in the order they were written', async () => {
    const audit = test.app.get(AuditService);
    await test.app.get(UnitOfWork).run(async (tx) => {
      for (let i = 0; i < 60; i += 1) {
        await audit.record(tx, {
          action: 'test.ordered',
          resource: { type: 'test', id: `ordered-${i}` },
        });
      }
    });
    await waitSealed();
    const { rows } = await db.query<{ resourceId: string; occurredAt: string }>(
      `SELECT e.resource_id AS "resourceId", e.occurred_at AS "occurredAt"
         FROM audit_chain c JOIN audit_entries e ON e.id = c.entry_id
        WHERE e.action = 'test.ordered' ORDER BY c.seq`,
    );
    expect(rows.map((row) => row.resourceId)).toEqual(
      Array.from({ length: 60 }, (_, i) => `ordered-${i}`),
    );
    // Time never runs backwards along the chain.
    const times = rows.map((row) => row.occurredAt);
    expect([...times].sort()).toEqual(times);
  });

  it('hashes hostile strings the same in the sealer, online verify (SQL) and offline (JS)', async () => {
    const audit = test.app.get(AuditService);
    const unitOfWork = test.app.get(UnitOfWork);
    const hostile = [
      'quote " backslash \\ slash /',
      'controls \u0001\u0008\t\n\f\r\u001f del \u007f',
      'unicode é ß 中文 😀 \u2028 \u2029 \ufeff',
      '<script>&amp;</script>',
    ];
    await requestContext.run(
      { correlationId: 'hostile "1"', tenantId: 'default', userAgent: hostile[1], ip: '::1' },
      () =>
        unitOfWork.run(async (tx) => {
          for (const [index, text] of hostile.entries()) {
            await audit.record(tx, {
              action: 'test.hostile',
              resource: { type: 'test', id: text.slice(0, 100) },
              before: { text, index },
              after: { nested: [text, null, 1.5e300, -0, true], '\u00e9': text },
            });
          }
        }),
    );
    expect(await waitSealed()).toMatchObject({ valid: true });
    const exported = await test.http.get('/api/v1/audit/export?all=true').set(test.admin);
    const offline = verifyExport(exported.text.split('\n'), true);
    expect(offline).toMatchObject({ valid: true });
    expect(exported.text).toContain('test.hostile');
  });

  it('100 parallel audited writes leave a gap-free chain that verifies', async () => {
    const responses = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        test.http
          .post('/api/v1/tenants')
          .set(test.admin)
          .send({ id: `parallel-${i}`, name: `Parallel ${i}` }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(100).fill(201));
    const result = await waitSealed();
    const { rows } = await db.query<{ n: string; max: string; entries: string }>(
      `SELECT count(*) AS n, max(seq) AS max, (SELECT count(*) FROM audit_entries) AS entries
         FROM audit_chain`,
    );
    expect(rows[0].n).toBe(rows[0].max);
    expect(rows[0].n).toBe(rows[0].entries);
    expect(result).toEqual({
      valid: true,
      checked: Number(rows[0].n),
      firstInvalidSeq: null,
      reason: null,
      head: { seq: Number(rows[0].max), hash: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    const { rows: parallel } = await db.query(
      `SELECT 1 FROM audit_chain c JOIN audit_entries e ON e.id = c.entry_id
        WHERE e.action = 'tenant.create' AND e.resource_id LIKE 'parallel-%'`,
    );
    expect(parallel).toHaveLength(100);
    const range = await verify('?fromSeq=2&toSeq=50');
    expect(range).toMatchObject({ valid: true, checked: 49 });
  });

  it('exports sealed entries as NDJSON whose hashes recompute', async () => {
    const response = await test.http.get('/api/v1/audit/export').set(test.admin);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toContain('application/x-ndjson');
    const lines = response.text.trim().split('\n');
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) {
      const row = JSON.parse(line) as Parameters<typeof chainHash>[1] & {
        prevHash: string;
        hash: string;
        tenantId: string;
      };
      expect(row.tenantId).toBe('default');
      expect(chainHash(row.prevHash, row)).toBe(row.hash);
    }
  });

  it('exports the whole chain to platform admins, verifiable offline with the CLI', async () => {
    await waitSealed();
    const whole = await test.http.get('/api/v1/audit/export?all=true').set(test.admin);
    expect(whole.status).toBe(200);
    const tenantOnly = await test.http
      .get('/api/v1/audit/export')
      .set({ ...test.admin, 'x-tenant-id': 'other' });
    const dir = mkdtempSync(join(tmpdir(), 'audit-export-'));
    writeFileSync(join(dir, 'all.ndjson'), whole.text);
    writeFileSync(join(dir, 'tenant.ndjson'), tenantOnly.text);
    // The built CLI, as `npm run audit:verify` runs it (`npm test` builds dist first).
    const cli = (...args: string[]) =>
      JSON.parse(
        execFileSync('node', ['dist/src/audit/verify-export.cli.js', '--json', ...args], {
          encoding: 'utf8',
        }),
      ) as { valid: boolean; checked: number; gaps: number };
    const all = cli(join(dir, 'all.ndjson'), '--complete');
    expect(all).toMatchObject({ valid: true, gaps: 0 });
    expect(all.checked).toBe(whole.text.trim().split('\n').length);
    // Tenant "other" has entries in the middle of the chain: valid alone, never complete.
    expect(cli(join(dir, 'tenant.ndjson'))).toMatchObject({ valid: true, checked: 2, gaps: 1 });
    expect(() => cli(join(dir, 'tenant.ndjson'), '--complete')).toThrow();

    const reader = await createKey(test, { scopes: ['audit:read'] });
    const refused = await test.http
      .get('/api/v1/audit/export?all=true')
      .set({ authorization: reader.authorization });
    expect(refused.status).toBe(403);
    const bad = await test.http.get('/api/v1/audit/export?all=yes').set(test.admin);
    expect(bad.status).toBe(400);
  });

  it('two replicas on one database: one sealer leads, the chain stays gap-free', async () => {
    const replica = await startTestApp({ RATE_LIMIT_PER_MINUTE: '100000' }, { db: test.db });
    try {
      const apps = [test, replica];
      const responses = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          apps[i % 2].http
            .post('/api/v1/tenants')
            .set(test.admin)
            .send({ id: `replica-${i}`, name: `Replica ${i}` }),
        ),
      );
      expect(responses.map((r) => r.status)).toEqual(Array(40).fill(201));
      const { rows: leaders } = await db.query(
        `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND classid = 0 AND objid = $1 AND objsubid = 1`,
        [0x6167_6173],
      );
      expect(leaders).toHaveLength(1);
      const result = await waitSealed();
      const { rows } = await db.query<{ n: string; max: string }>(
        'SELECT count(*) AS n, max(seq) AS max FROM audit_chain',
      );
      expect(rows[0].n).toBe(rows[0].max);
      expect(result).toMatchObject({ valid: true, checked: Number(rows[0].n) });

      // The leader's connection dies: the lock goes with it, and sealing carries on.
      const { rows: killed } = await db.query<{ terminated: boolean }>(
        `SELECT pg_terminate_backend(pid) AS terminated FROM pg_locks
          WHERE locktype = 'advisory' AND granted AND classid = 0 AND objid = $1
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        [0x6167_6173],
      );
      expect(killed).toEqual([{ terminated: true }]);
      for (let i = 0; i < 5; i += 1) {
        const created = await apps[i % 2].http
          .post('/api/v1/tenants')
          .set(test.admin)
          .send({ id: `after-failover-${i}`, name: `After failover ${i}` });
        expect(created.status).toBe(201);
      }
      const after = await waitSealed();
      expect(after).toMatchObject({ valid: true, head: { seq: Number(rows[0].n) + 5 } });
    } finally {
      await replica.close();
    }
  });

  it('refuses UPDATE, DELETE and TRUNCATE on the audit tables, even to a superuser', async () => {
    // Row triggers fire only on rows: every table has some (checkpoints are always signed).
    await waitSealed();
    for (const table of [
      'audit_entries',
      'audit_chain',
      'audit_checkpoints',
      'audit_signing_keys',
    ]) {
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM ${table}`);
      expect(rows[0].n).toBeGreaterThan(0);
    }
    for (const sql of [
      `UPDATE audit_entries SET action = 'x'`,
      `DELETE FROM audit_entries`,
      `TRUNCATE audit_entries CASCADE`,
      `UPDATE audit_chain SET hash = repeat('0', 64)`,
      `DELETE FROM audit_chain`,
      `TRUNCATE audit_chain`,
      `UPDATE audit_checkpoints SET hash = repeat('0', 64)`,
      `DELETE FROM audit_checkpoints`,
      `TRUNCATE audit_checkpoints`,
      `UPDATE audit_signing_keys SET key_id = 'x'`,
      `DELETE FROM audit_signing_keys`,
      `TRUNCATE audit_signing_keys`,
    ]) {
      await expect(db.query(sql)).rejects.toThrow(/append-only/);
    }
    expect((await verify()).valid).toBe(true);
  });

  describe('tampering as superuser with triggers off is detected', () => {
    beforeAll(async () => {
      await waitSealed();
      await db.query('SET session_replication_role = replica');
    });

    afterAll(async () => {
      await db.query('SET session_replication_role = origin');
    });

    it('a changed field', async () => {
      const seq = await seqOf('parallel-10');
      await db.query(
        `UPDATE audit_entries SET after = '{"id":"parallel-10","name":"Evil"}' WHERE resource_id = 'parallel-10'`,
      );
      expect(await verify()).toMatchObject({
        valid: false,
        firstInvalidSeq: seq,
        reason: 'hash_mismatch',
        checked: seq - 1,
      });
      await db.query(
        `UPDATE audit_entries SET after = '{"id":"parallel-10","name":"Parallel 10"}' WHERE resource_id = 'parallel-10'`,
      );
      expect((await verify()).valid).toBe(true);
    });

    it('a deleted middle row', async () => {
      const seq = await seqOf('parallel-20');
      const { rows } = await db.query<Record<string, string>>(
        'DELETE FROM audit_chain WHERE seq = $1 RETURNING *',
        [seq],
      );
      expect(await verify()).toMatchObject({
        valid: false,
        firstInvalidSeq: seq,
        reason: 'missing_link',
      });
      await db.query(
        'INSERT INTO audit_chain (seq, entry_id, prev_hash, hash) VALUES ($1, $2, $3, $4)',
        [rows[0].seq, rows[0].entry_id, rows[0].prev_hash, rows[0].hash],
      );
      expect((await verify()).valid).toBe(true);
    });

    it('a deleted row at the end of the range asked for', async () => {
      const seq = await seqOf('parallel-25');
      const { rows } = await db.query<Record<string, string>>(
        'DELETE FROM audit_chain WHERE seq = $1 RETURNING *',
        [seq],
      );
      // No later link in the range shows the gap: the range's own end must.
      expect(await verify(`?fromSeq=${seq - 9}&toSeq=${seq}`)).toMatchObject({
        valid: false,
        firstInvalidSeq: seq,
        reason: 'missing_link',
        checked: 9,
      });
      await db.query(
        'INSERT INTO audit_chain (seq, entry_id, prev_hash, hash) VALUES ($1, $2, $3, $4)',
        [rows[0].seq, rows[0].entry_id, rows[0].prev_hash, rows[0].hash],
      );
      expect((await verify(`?fromSeq=${seq - 9}&toSeq=${seq}`)).valid).toBe(true);
    });

    it('a forged row put in place of a real one, with a self-consistent hash', async () => {
      const seq = await seqOf('parallel-30');
      const { rows } = await db.query<Record<string, string>>(
        'DELETE FROM audit_chain WHERE seq = $1 RETURNING *',
        [seq],
      );
      const forged = {
        seq: String(seq),
        id: '00000000-0000-7000-8000-00000000f0f0',
        tenantId: 'default',
        occurredAt: '2026-01-01T00:00:00.000000Z',
        actorType: 'system',
        actorId: 'agentmesh',
        action: 'tenant.create',
        resourceType: 'tenant',
        resourceId: 'forged',
        correlationId: null,
        ip: null,
        userAgent: null,
        before: null,
        after: null,
      };
      await db.query(
        `INSERT INTO audit_entries (id, tenant_id, occurred_at, actor_type, actor_id, action,
           resource_type, resource_id, txid) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1)`,
        [
          forged.id,
          forged.tenantId,
          forged.occurredAt,
          forged.actorType,
          forged.actorId,
          forged.action,
          forged.resourceType,
          forged.resourceId,
        ],
      );
      await db.query(
        'INSERT INTO audit_chain (seq, entry_id, prev_hash, hash) VALUES ($1, $2, $3, $4)',
        [seq, forged.id, rows[0].prev_hash, chainHash(rows[0].prev_hash, forged)],
      );
      // The forged link is consistent with its predecessor but not with its successor, nor
      // with the signed checkpoint when its seq ended a sealed batch.
      const result = await verify();
      expect(result.valid).toBe(false);
      expect([
        [seq, 'checkpoint_mismatch'],
        [seq + 1, 'prev_hash_mismatch'],
      ]).toContainEqual([result.firstInvalidSeq, result.reason]);
    });
  });
});

describe('audit sealer with WORKERS=false', () => {
  it('records entries but leaves sealing to the worker replicas', async () => {
    const test = await startTestApp({ WORKERS: 'false' });
    const db = new Client({ connectionString: test.db.url });
    await db.connect();
    try {
      const created = await test.http
        .post('/api/v1/tenants')
        .set(test.admin)
        .send({ id: 'no-workers', name: 'No workers' });
      expect(created.status).toBe(201);
      await new Promise((done) => setTimeout(done, 800));
      const { rows } = await db.query<{ entries: string; links: string }>(
        `SELECT (SELECT count(*) FROM audit_entries) AS entries,
                (SELECT count(*) FROM audit_chain) AS links`,
      );
      expect(rows[0]).toEqual({ entries: '1', links: '0' });
      // The seal lag shows on /metrics.
      const metrics = await test.http.get('/metrics');
      expect(metrics.text).toMatch(/^audit_unsealed_entries 1$/m);
      const age = Number(/^audit_oldest_unsealed_age_seconds (\S+)$/m.exec(metrics.text)?.[1]);
      expect(age).toBeGreaterThan(0.5);
      const listed = await test.http
        .get('/api/v1/audit')
        .set({ ...test.admin, 'x-tenant-id': 'no-workers' });
      expect(listed.body.data.entries).toEqual([
        expect.objectContaining({ action: 'tenant.create', seq: null, hash: null, prevHash: null }),
      ]);
      const verified = await test.http.get('/api/v1/audit/verify').set(test.admin);
      expect(verified.body.data).toEqual({
        valid: true,
        checked: 0,
        firstInvalidSeq: null,
        reason: null,
        head: null,
      });
    } finally {
      await db.end();
      await test.close();
    }
  });
});

describe('audit checkpoints signed with AUDIT_SIGNING_KEY', () => {
  const seed = Buffer.alloc(32, 42).toString('base64');
  let test: TestApp;
  let db: Client;

  beforeAll(async () => {
    test = await startTestApp({ AUDIT_SIGNING_KEY: seed });
    db = new Client({ connectionString: test.db.url });
    await db.connect();
  });

  afterAll(async () => {
    await db.end();
    await test.close();
  });

  async function sealedCount(): Promise<number> {
    for (let attempt = 0; attempt < 150; attempt += 1) {
      const { rows } = await db.query<{ unsealed: string; links: string }>(
        `SELECT (SELECT count(*) FROM audit_entries e WHERE NOT EXISTS
                   (SELECT 1 FROM audit_chain c WHERE c.entry_id = e.id)) AS unsealed,
                (SELECT count(*) FROM audit_chain) AS links`,
      );
      if (rows[0].unsealed === '0') return Number(rows[0].links);
      await new Promise((done) => setTimeout(done, 100));
    }
    throw new Error('the sealer did not seal every entry in 15 s');
  }

  it('signs the head after each batch with the configured key', async () => {
    for (let i = 0; i < 3; i += 1) {
      const created = await test.http
        .post('/api/v1/tenants')
        .set(test.admin)
        .send({ id: `signed-${i}`, name: `Signed ${i}` });
      expect(created.status).toBe(201);
      await sealedCount();
    }
    const head = await sealedCount();
    const response = await test.http.get('/api/v1/audit/checkpoints').set(test.admin);
    expect(response.status).toBe(200);
    const checkpoints = response.body.data.checkpoints as Array<{
      seq: number;
      hash: string;
      signedAt: string;
      publicKey: string;
      signature: string;
    }>;
    expect(checkpoints.length).toBeGreaterThanOrEqual(1);
    expect(checkpoints[0].seq).toBe(head);
    const trusted = publicKeyBase64(parseSigningKey(seed));
    for (const checkpoint of checkpoints) {
      expect(checkpoint.publicKey).toBe(trusted);
      expect(checkpointSignatureValid({ ...checkpoint, seq: String(checkpoint.seq) })).toBe(true);
    }
    const verified = await test.http.get('/api/v1/audit/verify').set(test.admin);
    expect(verified.body.data).toMatchObject({ valid: true, head: { hash: checkpoints[0].hash } });

    // Offline: the whole-chain export against the checkpoints and the pinned key.
    const dir = mkdtempSync(join(tmpdir(), 'audit-signed-'));
    const exported = await test.http.get('/api/v1/audit/export?all=true').set(test.admin);
    writeFileSync(join(dir, 'all.ndjson'), exported.text);
    writeFileSync(join(dir, 'checkpoints.json'), JSON.stringify(response.body));
    const output = execFileSync(
      'node',
      [
        'dist/src/audit/verify-export.cli.js',
        '--json',
        join(dir, 'all.ndjson'),
        '--complete',
        '--checkpoints',
        join(dir, 'checkpoints.json'),
        '--public-key',
        trusted,
      ],
      { encoding: 'utf8' },
    );
    expect(JSON.parse(output)).toMatchObject({ valid: true, head: { seq: head } });

    const page = await test.http.get('/api/v1/audit/checkpoints?limit=1').set(test.admin);
    expect(page.body.meta.nextCursor).toEqual(expect.any(String));
    const bad = await test.http.get('/api/v1/audit/checkpoints?cursor=WzFd1').set(test.admin);
    expect(bad.status).toBe(400);
  });

  it('detects a history rewritten with recomputed hashes through the signed head', async () => {
    const head = await sealedCount();
    const { rows: firstCheckpoint } = await db.query<{ seq: string }>(
      'SELECT seq FROM audit_checkpoints ORDER BY seq LIMIT 1',
    );
    await db.query('SET session_replication_role = replica');
    try {
      await db.query(`UPDATE audit_entries SET resource_id = 'rewritten'
                       WHERE id = (SELECT entry_id FROM audit_chain WHERE seq = 1)`);
      // Recompute every hash from seq 1 on, as an attacker with the database would.
      const { rows } = await db.query<SealedFields & { prevHash: string }>(
        `SELECT c.seq::text AS seq, e.id, e.tenant_id AS "tenantId", e.occurred_at AS "occurredAt",
                e.actor_type AS "actorType", e.actor_id AS "actorId", e.action,
                e.resource_type AS "resourceType", e.resource_id AS "resourceId",
                e.correlation_id AS "correlationId", e.ip, e.user_agent AS "userAgent",
                e.before::text AS before, e.after::text AS after
           FROM audit_chain c JOIN audit_entries e ON e.id = c.entry_id ORDER BY c.seq`,
      );
      let prevHash = '0'.repeat(64);
      for (const row of rows) {
        const hash = chainHash(prevHash, row);
        await db.query('UPDATE audit_chain SET prev_hash = $1, hash = $2 WHERE seq = $3', [
          prevHash,
          hash,
          row.seq,
        ]);
        prevHash = hash;
      }
    } finally {
      await db.query('SET session_replication_role = origin');
    }
    const verified = await test.http.get('/api/v1/audit/verify').set(test.admin);
    expect(verified.body.data).toMatchObject({
      valid: false,
      firstInvalidSeq: Number(firstCheckpoint[0].seq),
      reason: 'checkpoint_mismatch',
    });
    expect(Number(firstCheckpoint[0].seq)).toBeLessThanOrEqual(head);
  });
  it('in a burst, the sealer reads the head of the unsealed entries, not all of them, whatever the statistics say', async () => {
    await db.query('BEGIN');
    try {
      // The statistics of a sealer that keeps up: every entry sealed when ANALYZE looked
      // (inside this transaction, so they go with its rollback).
      await db.query(
        `INSERT INTO audit_entries (id, occurred_at, actor_type, actor_id, action, resource_type,
           resource_id, txid)
         SELECT gen_random_uuid(), 'x', 'system', 'a', 'test.old', 'r', 'r', 9000000000 + g / 10
           FROM generate_series(1, 5000) g`,
      );
      await db.query(
        `INSERT INTO audit_chain (seq, entry_id, prev_hash, hash)
         SELECT 9000000000 + row_number() OVER (), id, repeat('0', 64), repeat('0', 64)
           FROM audit_entries WHERE action = 'test.old'`,
      );
      await db.query('ANALYZE audit_entries; ANALYZE audit_chain');
      // Then a burst: 20,000 entries wait to be sealed.
      await db.query(
        `INSERT INTO audit_entries (id, occurred_at, actor_type, actor_id, action, resource_type,
           resource_id, txid)
         SELECT gen_random_uuid(), 'x', 'system', 'a', 'test.burst', 'r', 'r', 9100000000 + g / 10
           FROM generate_series(1, 20000) g`,
      );
      await db.query(AuditSealer.PLANNER_SETTING);
      const plan = (
        await db.query<{ 'QUERY PLAN': unknown }>(
          `EXPLAIN (ANALYZE, FORMAT JSON) ${AuditSealer.UNSEALED_SQL}`,
          ['9200000000', '9000000500', 500],
        )
      ).rows[0]['QUERY PLAN'];
      const entries = planNodes(plan).filter((node) => node['Relation Name'] === 'audit_entries');
      const read = entries.reduce((sum, node) => sum + Number(node['Actual Rows']), 0);
      // 500 taken, and none of the 19,500 behind them read (a sort of all of them was).
      expect(read).toBeGreaterThanOrEqual(500);
      expect(read).toBeLessThan(1_000);
    } finally {
      await db.query('ROLLBACK');
    }
  });
});
