import { chainHash, GENESIS_HASH, SealedFields } from './audit-hash';
import { parseSigningKey, publicKeyBase64, signCheckpoint } from './audit-signing';
import { reportOf, verifyExport } from './export-verifier';

function chain(count: number): Array<SealedFields & { prevHash: string; hash: string }> {
  const rows = [];
  let prevHash = GENESIS_HASH;
  for (let i = 1; i <= count; i += 1) {
    const fields: SealedFields = {
      seq: String(i),
      id: `00000000-0000-7000-8000-${String(i).padStart(12, '0')}`,
      tenantId: i % 2 ? 'a' : 'b',
      occurredAt: '2026-11-22T05:00:00.000001Z',
      actorType: 'system',
      actorId: 'agentmesh',
      action: 'tenant.create',
      resourceType: 'tenant',
      resourceId: `t${i}`,
      correlationId: null,
      ip: null,
      userAgent: null,
      before: null,
      after: `{"id": "t${i}"}`,
    };
    const hash = chainHash(prevHash, fields);
    rows.push({ ...fields, prevHash, hash });
    prevHash = hash;
  }
  return rows;
}

const lines = (rows: unknown[]) => rows.map((row) => JSON.stringify(row));

describe('verifyExport', () => {
  it('accepts a whole chain, complete or not', () => {
    const rows = chain(5);
    expect(verifyExport(lines(rows), true)).toMatchObject({ valid: true, checked: 5, gaps: 0 });
    expect(verifyExport([...lines(rows), ''])).toMatchObject({
      valid: true,
      head: { seq: 5, hash: rows[4].hash },
    });
  });

  it("accepts a tenant's subset, counting the gaps, but not as a complete export", () => {
    const rows = chain(6).filter((row) => row.tenantId === 'a');
    expect(verifyExport(lines(rows))).toMatchObject({ valid: true, checked: 3, gaps: 2 });
    expect(verifyExport(lines(chain(6).slice(1)), true)).toMatchObject({
      valid: false,
      firstInvalidSeq: 1,
      reason: 'missing_link',
    });
  });

  it('finds a changed field, a broken link and a removed line', () => {
    const changed = chain(4);
    changed[2] = { ...changed[2], resourceId: 'evil' };
    expect(verifyExport(lines(changed))).toMatchObject({
      valid: false,
      firstInvalidSeq: 3,
      reason: 'hash_mismatch',
      line: 3,
    });

    const relinked = chain(4);
    relinked[2] = { ...relinked[2], prevHash: '1'.repeat(64) };
    expect(verifyExport(lines(relinked))).toMatchObject({
      firstInvalidSeq: 3,
      reason: 'prev_hash_mismatch',
    });

    const removed = chain(4);
    removed.splice(1, 1);
    expect(verifyExport(lines(removed), true)).toMatchObject({
      firstInvalidSeq: 2,
      reason: 'missing_link',
    });
  });

  it('fails a link whose entry is gone as missing_entry, in a tenant export too', () => {
    const rows: unknown[] = chain(5);
    const [, , third] = chain(5);
    rows[2] = {
      seq: third.seq,
      prevHash: third.prevHash,
      hash: third.hash,
      missingEntry: true,
    };
    expect(verifyExport(lines(rows), true)).toMatchObject({
      valid: false,
      firstInvalidSeq: 3,
      reason: 'missing_entry',
    });
    const tenantA = rows.filter(
      (row, index) => index === 2 || (row as { tenantId: string }).tenantId === 'a',
    );
    expect(verifyExport(lines(tenantA))).toMatchObject({
      valid: false,
      firstInvalidSeq: 3,
      reason: 'missing_entry',
    });
    expect(verifyExport([JSON.stringify({ ...(rows[2] as object), hash: 3 })])).toMatchObject({
      reason: 'malformed_line',
    });
    expect(
      verifyExport([JSON.stringify({ ...(rows[2] as object), missingEntry: 'yes' })]),
    ).toMatchObject({ reason: 'malformed_line' });
  });

  it('reports how many entries the file holds, also past the first break', () => {
    const changed = chain(10);
    changed[3] = { ...changed[3], resourceId: 'evil' };
    const result = verifyExport([...lines(changed), '']);
    expect(result).toMatchObject({ valid: false, checked: 3, total: 10, firstInvalidSeq: 4 });
    expect(reportOf(result, 'x.ndjson')).toContain(
      'Results: 3/10 entries valid before the first break; the 6 after it were not checked',
    );
    const lastBroken = chain(3);
    lastBroken[2] = { ...lastBroken[2], resourceId: 'evil' };
    expect(reportOf(verifyExport(lines(lastBroken)), 'x.ndjson')).toContain(
      'Results: 2/3 entries valid before the first break; it is the last line',
    );
    const whole = verifyExport(lines(chain(4)));
    expect(whole).toMatchObject({ valid: true, checked: 4, total: 4 });
    expect(reportOf(whole, 'x.ndjson')).toContain('Results: 4/4 entries valid');
  });

  it('rejects malformed and out-of-order lines', () => {
    expect(verifyExport(['not json'])).toMatchObject({ valid: false, reason: 'malformed_line' });
    expect(verifyExport([JSON.stringify({ ...chain(1)[0], seq: 1 })])).toMatchObject({
      reason: 'malformed_line',
    });
    // A field the export never writes is not hashed: a line carrying one was changed.
    expect(verifyExport([JSON.stringify({ ...chain(1)[0], note: 'x' })])).toMatchObject({
      reason: 'malformed_line',
    });
    const rows = chain(3);
    expect(verifyExport(lines([rows[0], rows[2], rows[1]]))).toMatchObject({
      reason: 'out_of_order',
      firstInvalidSeq: 2,
    });
  });

  it('checks signed checkpoints against the pinned key', () => {
    const key = parseSigningKey(Buffer.alloc(32, 3).toString('base64'));
    const publicKey = publicKeyBase64(key);
    const rows = chain(4);
    const checkpoint = signCheckpoint(key, {
      seq: '3',
      hash: rows[2].hash,
      signedAt: '2026-11-22T05:00:00.000000Z',
    });
    expect(verifyExport(lines(rows), true, { checkpoints: [checkpoint], publicKey })).toMatchObject(
      { valid: true },
    );

    // The whole history rewritten, every hash recomputed: only the checkpoint notices.
    const rewritten = chain(4).map((row) => ({ ...row }));
    rewritten[0].resourceId = 'evil';
    let prevHash = rewritten[0].prevHash;
    for (const row of rewritten) {
      row.prevHash = prevHash;
      row.hash = chainHash(prevHash, row);
      prevHash = row.hash;
    }
    expect(verifyExport(lines(rewritten), true)).toMatchObject({ valid: true });
    expect(
      verifyExport(lines(rewritten), true, { checkpoints: [checkpoint], publicKey }),
    ).toMatchObject({ valid: false, firstInvalidSeq: 3, reason: 'checkpoint_mismatch' });

    const other = parseSigningKey(Buffer.alloc(32, 4).toString('base64'));
    const forged = signCheckpoint(other, { ...checkpoint, hash: rewritten[2].hash });
    expect(
      verifyExport(lines(rewritten), true, { checkpoints: [forged], publicKey }),
    ).toMatchObject({ valid: false, firstInvalidSeq: 3, reason: 'bad_checkpoint_signature' });
  });
});
