import { createPublicKey, verify } from 'node:crypto';
import { keyIdOf } from './audit-signing';
import { verifyExport } from './export-verifier';
import {
  auditRange,
  belongsToRun,
  bySeq,
  canonicalReceipt,
  endStatus,
  ReceiptEntry,
  receiptHashOf,
  RunReceipt,
  SignedReceipt,
  stepFacts,
} from './run-receipt';

/** SPKI DER header of an Ed25519 public key; the 32 raw key bytes follow it. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export interface ReceiptVerification {
  valid: boolean;
  /** A short code (`bad_signature`, `export_invalid`, `step_mismatch`, ...) and what broke. */
  reason: string | null;
  detail: string | null;
  /** Whether the key was one pinned with `--public-key` (else the key the file names). */
  keyPinned: boolean;
  workflowId: string | null;
  receiptHash: string | null;
}

/**
 * Checks a receipt (the `data` of `GET /workflows/{id}/receipt`) against an audit export
 * (`GET /audit/export`, the tenant's or the whole chain), without the database: the signature
 * by the pinned key (or by the key the file names, which only proves integrity), the export's
 * chain, the receipt's seq range present in the export with the head hash it names, and the
 * run's entries in that range agreeing with the receipt (how many, its final status, each
 * step's agents, attempts and timing).
 */
export function verifyReceipt(
  signed: unknown,
  exportLines: readonly string[],
  pinnedKeys: readonly string[] = [],
  complete = false,
): ReceiptVerification {
  const parsed = asSignedReceipt(signed);
  const result = (reason: string | null, detail: string | null, keyPinned = false) => ({
    valid: reason === null,
    reason,
    detail,
    keyPinned,
    workflowId: parsed?.receipt.workflowId ?? null,
    receiptHash: parsed ? receiptHashOf(parsed.receipt) : null,
  });
  if (!parsed) return result('malformed_receipt', 'not a {receipt, signature, keyId} object');
  const { receipt } = parsed;

  const key = pickKey(parsed, pinnedKeys);
  if (!key) {
    return result(
      'unknown_key',
      pinnedKeys.length > 0
        ? `key ${parsed.keyId} is not one of the pinned public keys`
        : `no public key for key ${parsed.keyId}: pass --public-key`,
    );
  }
  if (!receiptSignatureValid(receipt, parsed.signature, key)) {
    return result(
      'bad_signature',
      `the signature does not match the receipt under key ${parsed.keyId}`,
    );
  }
  const keyPinned = pinnedKeys.length > 0;
  // The hash webhooks carry, when the file names one: it must be this receipt's.
  const named = (parsed as { receiptHash?: unknown }).receiptHash;
  if (named !== undefined && named !== null && named !== receiptHashOf(receipt)) {
    return result(
      'receipt_hash_mismatch',
      `the file names receiptHash ${JSON.stringify(named)}, the receipt hashes to ${receiptHashOf(receipt)}`,
      keyPinned,
    );
  }

  const chain = verifyExport(exportLines, complete);
  if (!chain.valid) {
    return result(
      'export_invalid',
      `the audit export is invalid at seq ${chain.firstInvalidSeq ?? '?'} (line ${chain.line ?? '?'}): ${chain.reason}`,
      keyPinned,
    );
  }

  const rows = exportRows(exportLines);
  const from = BigInt(receipt.audit.fromSeq);
  const to = BigInt(receipt.audit.toSeq);
  const bySeqNumber = new Map(rows.map((row) => [row.seq, row]));
  const head = bySeqNumber.get(receipt.audit.headSeq);
  if (!bySeqNumber.has(receipt.audit.fromSeq) || !head) {
    return result(
      'range_not_in_export',
      `the export does not hold seq ${receipt.audit.fromSeq} to ${receipt.audit.headSeq}`,
      keyPinned,
    );
  }
  if (head.hash !== receipt.audit.headHash) {
    return result(
      'head_mismatch',
      `the hash at seq ${receipt.audit.headSeq} is ${head.hash}, the receipt names ${receipt.audit.headHash}`,
      keyPinned,
    );
  }

  const taskIds = new Set(receipt.steps.flatMap((step) => step.taskIds));
  const runEntries = bySeq(
    rows.filter((row) => {
      const seq = BigInt(row.seq);
      return seq >= from && seq <= to && belongsToRun(row, receipt.workflowId, taskIds);
    }),
  );
  const range = auditRange(runEntries);
  if (
    !range ||
    range.fromSeq !== receipt.audit.fromSeq ||
    range.toSeq !== receipt.audit.toSeq ||
    range.entries !== receipt.audit.entries
  ) {
    return result(
      'entries_mismatch',
      `the export holds ${range?.entries ?? 0} of the run's entries in seq ${receipt.audit.fromSeq}-${receipt.audit.toSeq}, the receipt counts ${receipt.audit.entries}`,
      keyPinned,
    );
  }
  const foreign = runEntries.find((entry) => entry.tenantId !== receipt.tenantId);
  if (foreign) {
    return result('tenant_mismatch', `seq ${foreign.seq} belongs to another tenant`, keyPinned);
  }
  const status = endStatus(runEntries, receipt.workflowId);
  if (status !== receipt.status) {
    return result(
      'status_mismatch',
      `the audit records the run ending ${status ?? 'nowhere'}, the receipt says ${receipt.status}`,
      keyPinned,
    );
  }
  for (const step of receipt.steps) {
    const facts = stepFacts(runEntries, step.taskIds);
    const claimed = {
      agentIds: step.agentIds,
      attempts: step.attempts,
      startedAt: step.startedAt,
      finishedAt: step.finishedAt,
    };
    if (JSON.stringify(facts) !== JSON.stringify(claimed)) {
      return result(
        'step_mismatch',
        `step ${step.key}: the audit records ${JSON.stringify(facts)}, the receipt ${JSON.stringify(claimed)}`,
        keyPinned,
      );
    }
  }
  return result(null, null, keyPinned);
}

function pickKey(signed: SignedReceipt, pinned: readonly string[]): string | undefined {
  if (pinned.length > 0) return pinned.find((key) => keyIdOf(key) === signed.keyId);
  return typeof signed.publicKey === 'string' && keyIdOf(signed.publicKey) === signed.keyId
    ? signed.publicKey
    : undefined;
}

/** Ed25519 over the receipt's canonical bytes under `publicKey` (raw, base64). */
export function receiptSignatureValid(
  receipt: RunReceipt,
  signature: string,
  publicKey: string,
): boolean {
  try {
    const key = createPublicKey({
      key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(publicKey, 'base64')]),
      format: 'der',
      type: 'spki',
    });
    return verify(null, canonicalReceipt(receipt), key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

function asSignedReceipt(value: unknown): SignedReceipt | null {
  if (typeof value !== 'object' || value === null) return null;
  const object = value as Record<string, unknown>;
  // The whole response body is accepted too.
  if (!('receipt' in object) && typeof object.data === 'object')
    return asSignedReceipt(object.data);
  const receipt = object.receipt as Partial<RunReceipt> | undefined;
  if (
    typeof object.signature !== 'string' ||
    typeof object.keyId !== 'string' ||
    typeof receipt !== 'object' ||
    receipt === null ||
    typeof receipt.workflowId !== 'string' ||
    typeof receipt.tenantId !== 'string' ||
    typeof receipt.status !== 'string' ||
    !Array.isArray(receipt.steps) ||
    !receipt.steps.every(
      (step) =>
        typeof step === 'object' &&
        step !== null &&
        typeof step.key === 'string' &&
        Array.isArray(step.taskIds) &&
        step.taskIds.every((id) => typeof id === 'string') &&
        Array.isArray(step.agentIds),
    ) ||
    typeof receipt.audit !== 'object' ||
    receipt.audit === null ||
    ![receipt.audit.fromSeq, receipt.audit.toSeq, receipt.audit.headSeq].every(
      (seq) => typeof seq === 'string' && /^[1-9]\d*$/.test(seq),
    )
  ) {
    return null;
  }
  return value as SignedReceipt;
}

/** The export's lines as entries (the chain check already rejected malformed ones). */
function exportRows(lines: readonly string[]): ReceiptEntry[] {
  const rows: ReceiptEntry[] = [];
  for (const line of lines) {
    if (line.trim() === '') continue;
    const row = JSON.parse(line) as ReceiptEntry;
    rows.push(row);
  }
  return rows;
}

/** The verification as people read it. */
export function receiptReportOf(result: ReceiptVerification, source: string): string {
  const lines = [`Validating run receipt ${source}`, ''];
  if (result.workflowId) lines.push(`Run: ${result.workflowId}`);
  if (result.receiptHash) lines.push(`Receipt hash: ${result.receiptHash}`);
  if (result.valid) {
    if (!result.keyPinned) {
      lines.push(
        'Signed by the key the receipt names (pin it with --public-key to check who signed).',
      );
    }
    lines.push('The receipt is VALID.');
  } else {
    lines.push(`${result.reason}: ${result.detail}`, 'The receipt is INVALID.');
  }
  return `${lines.join('\n')}\n`;
}
