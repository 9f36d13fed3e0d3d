import { generateKeyPairSync, sign } from 'node:crypto';
import { chainHash, GENESIS_HASH, SealedFields } from '../../audit/audit-hash';
import { keyIdOf } from '../../audit/audit-signing';
import { verifyReceipt } from '../../audit/receipt-verifier';
import { canonicalReceipt, receiptHashOf, RunReceipt } from '../../audit/run-receipt';
import { buildReceipt } from './receipt-builder';

const RUN = '01a23430-0000-7000-8000-000000000001';
const TASK = '01a23430-0000-7000-8000-000000000002';
const OTHER = '01a23430-0000-7000-8000-000000000003';

/** A sealed export: the run's entries with another run's interleaved, chained for real. */
function exportRows(): Array<SealedFields & { prevHash: string; hash: string }> {
  const raw: Array<[string, string, string, unknown]> = [
    ['workflow', RUN, 'workflow.create', { status: 'running' }],
    ['task', TASK, 'task.queue', { status: 'queued', attempt: 1, agentId: null }],
    ['workflow', OTHER, 'workflow.create', { status: 'running' }],
    ['task', TASK, 'task.claim', { status: 'claimed', attempt: 1, agentId: 'a-1' }],
    ['task', TASK, 'task.retry', { status: 'queued', attempt: 2, agentId: null }],
    ['task', TASK, 'task.claim', { status: 'claimed', attempt: 2, agentId: 'a-2' }],
    ['task', TASK, 'task.succeed', { status: 'succeeded', attempt: 2, agentId: 'a-2' }],
    ['workflow', RUN, 'workflow.succeed', { status: 'succeeded', type: 'inline' }],
  ];
  let prevHash = GENESIS_HASH;
  return raw.map(([resourceType, resourceId, action, after], index) => {
    const fields: SealedFields = {
      seq: String(index + 1),
      id: `01a23430-0000-7000-8000-1000000000${String(index).padStart(2, '0')}`,
      tenantId: 'default',
      occurredAt: `2026-12-02T00:00:0${index}.000000Z`,
      actorType: 'system',
      actorId: 'agentmesh',
      action,
      resourceType,
      resourceId,
      correlationId: null,
      ip: null,
      userAgent: null,
      before: null,
      after: JSON.stringify(after),
    };
    const hash = chainHash(prevHash, fields);
    const row = { ...fields, prevHash, hash };
    prevHash = hash;
    return row;
  });
}

describe('run receipts: built from the audit, verified against an export', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const rawKey = publicKey.export({ format: 'der', type: 'spki' }).subarray(12).toString('base64');
  const rows = exportRows();
  const lines = rows.map((row) => JSON.stringify(row));
  const runEntries = rows.filter((row) => row.resourceId !== OTHER);

  const receiptFor = (overrides: Partial<RunReceipt> = {}): RunReceipt => ({
    ...buildReceipt({
      run: {
        id: RUN,
        tenantId: 'default',
        type: 'inline',
        definitionVersion: null,
        status: 'succeeded',
        input: { a: 1 },
        output: { only: { ok: true } },
        steps: [{ key: 'only' }, { key: 'never' }],
        createdAt: new Date('2026-12-02T00:00:00Z'),
        startedAt: new Date('2026-12-02T00:00:01Z'),
        finishedAt: new Date('2026-12-02T00:00:07Z'),
      },
      tasks: [{ id: TASK, stepKey: 'only', kind: 'task', status: 'succeeded', elementIndex: null }],
      entries: runEntries,
      definitionDocument: null,
      issuedAt: new Date('2026-12-02T00:00:08Z'),
    }),
    ...overrides,
  });
  const signed = (receipt: RunReceipt) => ({
    receipt,
    signature: sign(null, canonicalReceipt(receipt), privateKey).toString('base64'),
    keyId: keyIdOf(rawKey),
    publicKey: rawKey,
    receiptHash: receiptHashOf(receipt),
  });

  it("records each step's agents, attempts and timing and the run's range", () => {
    const receipt = receiptFor();
    expect(receipt.steps).toEqual([
      {
        key: 'only',
        kind: 'task',
        status: 'succeeded',
        taskIds: [TASK],
        agentIds: ['a-1', 'a-2'],
        attempts: 2,
        startedAt: '2026-12-02T00:00:01.000000Z',
        finishedAt: '2026-12-02T00:00:06.000000Z',
      },
      {
        key: 'never',
        kind: 'task',
        status: 'not_started',
        taskIds: [],
        agentIds: [],
        attempts: 0,
        startedAt: null,
        finishedAt: null,
      },
    ]);
    expect(receipt.audit).toEqual({
      fromSeq: '1',
      toSeq: '8',
      entries: 7,
      headSeq: '8',
      headHash: rows[7].hash,
    });
  });

  it('is valid against the export, by the pinned key', () => {
    const result = verifyReceipt(signed(receiptFor()), lines, [rawKey]);
    expect(result).toMatchObject({ valid: true, keyPinned: true, workflowId: RUN });
  });

  it('a re-signed receipt that the export contradicts is invalid', () => {
    const cases: Array<[Partial<RunReceipt>, string]> = [
      [{ status: 'failed' }, 'status_mismatch'],
      [{ tenantId: 'someone-else' }, 'tenant_mismatch'],
    ];
    for (const [override, reason] of cases) {
      expect(verifyReceipt(signed(receiptFor(override)), lines, [rawKey]).reason).toBe(reason);
    }
    const receipt = receiptFor();
    receipt.steps[0].attempts = 1;
    expect(verifyReceipt(signed(receipt), lines, [rawKey]).reason).toBe('step_mismatch');
    const wider = receiptFor();
    wider.audit = { ...wider.audit, entries: 8 };
    expect(verifyReceipt(signed(wider), lines, [rawKey]).reason).toBe('entries_mismatch');
  });

  it('refuses what is not a receipt, and keys that are not pinned', () => {
    expect(verifyReceipt({ nope: true }, lines).reason).toBe('malformed_receipt');
    const other = generateKeyPairSync('ed25519')
      .publicKey.export({ format: 'der', type: 'spki' })
      .subarray(12)
      .toString('base64');
    expect(verifyReceipt(signed(receiptFor()), lines, [other]).reason).toBe('unknown_key');
  });
});
