import { chainHash, GENESIS_HASH, SealedFields } from './audit-hash';
import { Checkpoint, checkpointSignatureValid } from './audit-signing';

export interface CheckpointPolicy {
  /** From `GET /audit/checkpoints`, kept apart from the database (e.g. fetched periodically). */
  checkpoints: Checkpoint[];
  /**
   * The raw Ed25519 public key (base64) the verifier trusts, or several separated by commas
   * (replicas with keys of their own, or keys before a rotation); other keys' checkpoints fail.
   */
  publicKey: string;
}

function trustedKeys(policy: CheckpointPolicy): Set<string> {
  return new Set(policy.publicKey.split(',').map((key) => key.trim()));
}

export interface ExportVerification {
  valid: boolean;
  checked: number;
  firstInvalidSeq: number | null;
  /** line numbers are 1-based; reasons match the API's verify where they overlap */
  reason: string | null;
  line: number | null;
  /** Seq ranges absent from the file: other tenants' entries in a tenant export. */
  gaps: number;
  /** Entry lines in the file, counted to its end also past the first break. */
  total: number;
  head: { seq: number; hash: string } | null;
}

const STRING_FIELDS = [
  'id',
  'occurredAt',
  'actorType',
  'actorId',
  'action',
  'resourceType',
  'resourceId',
  'seq',
  'prevHash',
  'hash',
] as const;
const NULLABLE_FIELDS = [
  'tenantId',
  'correlationId',
  'ip',
  'userAgent',
  'before',
  'after',
] as const;

type ExportedRow = SealedFields & { prevHash: string; hash: string };
/** A link whose entry is gone (`MissingEntryRow` in the export). */
type MissingRow = { seq: string; prevHash: string; hash: string; missingEntry: true };

const LINK_FIELDS = ['seq', 'prevHash', 'hash'] as const;
/** Every field an entry's line has: a line with any other was not written by the export. */
const ENTRY_FIELDS: ReadonlySet<string> = new Set([...STRING_FIELDS, ...NULLABLE_FIELDS]);
const MISSING_FIELDS: ReadonlySet<string> = new Set([...LINK_FIELDS, 'missingEntry']);

function parseRow(line: string): ExportedRow | MissingRow | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const row = value as Record<string, unknown>;
  if ('missingEntry' in row) {
    if (row.missingEntry !== true) return null;
    if (!Object.keys(row).every((field) => MISSING_FIELDS.has(field))) return null;
    if (!LINK_FIELDS.every((field) => typeof row[field] === 'string')) return null;
    if (!/^[1-9]\d*$/.test(row.seq as string)) return null;
    return row as unknown as MissingRow;
  }
  if (!Object.keys(row).every((field) => ENTRY_FIELDS.has(field))) return null;
  if (!STRING_FIELDS.every((field) => typeof row[field] === 'string')) return null;
  if (!NULLABLE_FIELDS.every((field) => row[field] === null || typeof row[field] === 'string')) {
    return null;
  }
  if (!/^[1-9]\d*$/.test(row.seq as string)) return null;
  return row as unknown as ExportedRow;
}

/**
 * Checks an NDJSON export (`GET /audit/export`) without the database: every hash is recomputed
 * from the exported bytes, and wherever two lines are adjacent in seq the link between them is
 * checked too. A tenant export skips other tenants' seqs, so gaps are counted, not failed;
 * with `complete` (a full-chain export) the file must start at seq 1 and have no gap. A link
 * whose entry was deleted is in every export (`missingEntry: true`) and fails as `missing_entry`.
 */
export function verifyExport(
  lines: Iterable<string>,
  complete = false,
  policy?: CheckpointPolicy,
): ExportVerification {
  const signed = new Map(policy?.checkpoints.map((checkpoint) => [checkpoint.seq, checkpoint]));
  const trusted = policy ? trustedKeys(policy) : new Set<string>();
  let checked = 0;
  let gaps = 0;
  let lineNumber = 0;
  let total = 0;
  let previous: { seq: bigint; hash: string } | null = null;
  const iterator = lines[Symbol.iterator]();
  const fail = (seq: number | null, reason: string): ExportVerification => {
    const line = lineNumber;
    // The rest is only counted, so that the report can say how much went unchecked.
    for (let next = iterator.next(); !next.done; next = iterator.next()) {
      if (next.value.trim() !== '') total += 1;
    }
    return {
      valid: false,
      checked,
      firstInvalidSeq: seq,
      reason,
      line,
      gaps,
      total,
      head: previous ? { seq: Number(previous.seq), hash: previous.hash } : null,
    };
  };
  for (let next = iterator.next(); !next.done; next = iterator.next()) {
    const text = next.value;
    lineNumber += 1;
    if (text.trim() === '') continue;
    total += 1;
    const row = parseRow(text);
    if (!row) return fail(null, 'malformed_line');
    const seq = BigInt(row.seq);
    const expected = previous ? previous.seq + 1n : 1n;
    if (seq < expected) return fail(Number(seq), 'out_of_order');
    if (seq > expected) {
      if (complete) return fail(Number(expected), 'missing_link');
      gaps += 1;
    } else {
      const prevHash = previous ? previous.hash : GENESIS_HASH;
      if (row.prevHash !== prevHash) return fail(Number(seq), 'prev_hash_mismatch');
    }
    // The link is there; the entry it hashed is not (deleted from the database).
    if ('missingEntry' in row) return fail(Number(seq), 'missing_entry');
    if (chainHash(row.prevHash, row) !== row.hash) return fail(Number(seq), 'hash_mismatch');
    // A rewritten history can be made self-consistent; it cannot match a signed head.
    const checkpoint = signed.get(row.seq);
    if (checkpoint && policy) {
      if (!trusted.has(checkpoint.publicKey) || !checkpointSignatureValid(checkpoint)) {
        return fail(Number(seq), 'bad_checkpoint_signature');
      }
      if (checkpoint.hash !== row.hash) return fail(Number(seq), 'checkpoint_mismatch');
    }
    previous = { seq, hash: row.hash };
    checked += 1;
  }
  // A whole chain that ends before a signed head was cut short (tail deleted, old backup).
  const headSeq = previous ? previous.seq : 0n;
  if (complete && policy) {
    const beyond = policy.checkpoints.find(
      (checkpoint) =>
        BigInt(checkpoint.seq) > headSeq &&
        trusted.has(checkpoint.publicKey) &&
        checkpointSignatureValid(checkpoint),
    );
    if (beyond) return fail(Number(headSeq + 1n), 'chain_truncated');
  }
  return {
    valid: true,
    checked,
    firstInvalidSeq: null,
    reason: null,
    line: null,
    gaps,
    total,
    head: previous ? { seq: Number(previous.seq), hash: previous.hash } : null,
  };
}

/** The verification as people read it, in the style of `aws cloudtrail validate-logs`. */
export function reportOf(result: ExportVerification, source: string): string {
  const unchecked = result.total - result.checked - 1;
  const lines = [
    `Validating audit export ${source}`,
    '',
    result.valid || unchecked < 0
      ? `Results: ${result.checked}/${result.total} entries valid`
      : `Results: ${result.checked}/${result.total} entries valid before the first break; ` +
        (unchecked === 0 ? 'it is the last line' : `the ${unchecked} after it were not checked`),
  ];
  if (result.head) lines.push(`Chain head: seq ${result.head.seq}, hash ${result.head.hash}`);
  if (result.gaps > 0) lines.push(`Gaps (other tenants' entries): ${result.gaps}`);
  if (result.valid) lines.push('The export is VALID.');
  else {
    const where = result.firstInvalidSeq === null ? '' : ` at seq ${result.firstInvalidSeq}`;
    const line = result.line === null ? '' : ` (line ${result.line})`;
    lines.push(`First break${where}${line}: ${result.reason}`, 'The export is INVALID.');
  }
  return `${lines.join('\n')}\n`;
}
