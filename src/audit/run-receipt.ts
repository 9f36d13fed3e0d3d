import { hash } from 'node:crypto';
import canonicalize from 'canonicalize';

/**
 * A run receipt: what the service signs when a run finishes, and what the offline verifier
 * recomputes from an audit export. Pure code, shared by the issuer and the verifier, so both
 * read the audit entries the same way.
 */
export const RECEIPT_VERSION = 1;

/** The audit actions that end a run. */
export const RUN_END_ACTIONS = ['workflow.succeed', 'workflow.fail', 'workflow.cancel'];

export interface ReceiptStep {
  key: string;
  kind: string;
  /** The step's status when the run finished; `not_started` when it never got a task. */
  status: string;
  /** Its task, and for a fan-out step its elements' tasks too: the audit resources it owns. */
  taskIds: string[];
  /** The agents whose claims the audit recorded (sorted). */
  agentIds: string[];
  /** Claims recorded: one per attempt an agent took. */
  attempts: number;
  /** Its first and last audit entries' times; null when it has none. */
  startedAt: string | null;
  finishedAt: string | null;
}

export interface ReceiptAudit {
  /** The run's first and last sealed entries (its own and its tasks'). */
  fromSeq: string;
  toSeq: string;
  /** How many of the run's entries lie in that range (other runs' entries interleave). */
  entries: number;
  /** The chain head the receipt covers: the hash at `headSeq` commits to everything before it. */
  headSeq: string;
  headHash: string;
}

/**
 * Adding a field is adding it here and where the issuer builds it: the
 * signature covers whatever the object holds, and the verifier checks the signature first.
 */
export interface RunReceipt {
  receiptVersion: number;
  tenantId: string;
  workflowId: string;
  status: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string;
  definition: { key: string; version: number | null; contentHash: string };
  inputHash: string;
  outputHash: string;
  /** What the run's agents reported using (summed over its steps); null: nothing reported. */
  usage: { inputTokens: number; outputTokens: number; costUsd: number; reports: number } | null;
  steps: ReceiptStep[];
  audit: ReceiptAudit;
  issuedAt: string;
}

/** What `GET /workflows/{id}/receipt` answers in `data`, and what the verifier reads. */
export interface SignedReceipt {
  receipt: RunReceipt;
  /** Ed25519 over `canonicalReceipt(receipt)`, base64. */
  signature: string;
  keyId: string;
  /** The raw Ed25519 public key, base64 (`keyId` is the first 16 hex digits of its SHA-256). */
  publicKey: string;
  /** sha256 of `canonicalReceipt(receipt)`, hex: what webhooks carry. */
  receiptHash: string;
}

/** One audit entry as the chain stores it (`after` is the stored jsonb text). */
export interface ReceiptEntry {
  seq: string;
  hash: string;
  occurredAt: string;
  tenantId: string | null;
  action: string;
  resourceType: string;
  resourceId: string;
  after: string | null;
}

/** RFC 8785 canonical JSON, the same canonicalisation the audit chain uses. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value === undefined ? null : value);
  if (text === undefined) throw new Error('The value has no canonical JSON form');
  return text;
}

export function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}

/** The exact bytes signed and hashed. */
export function canonicalReceipt(receipt: RunReceipt): Buffer {
  return Buffer.from(canonicalJson(receipt), 'utf8');
}

export function receiptHashOf(receipt: RunReceipt): string {
  return hash('sha256', canonicalReceipt(receipt), 'hex');
}

/** True when the entry is the run's own or one of its tasks'. */
export function belongsToRun(entry: ReceiptEntry, runId: string, taskIds: ReadonlySet<string>) {
  return (
    (entry.resourceType === 'workflow' && entry.resourceId === runId) ||
    (entry.resourceType === 'task' && taskIds.has(entry.resourceId))
  );
}

function afterOf(entry: ReceiptEntry): Record<string, unknown> {
  if (entry.after === null) return {};
  try {
    const value = JSON.parse(entry.after) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** A step's agents, attempts and timing as its tasks' entries (in seq order) record them. */
export function stepFacts(
  entries: readonly ReceiptEntry[],
  taskIds: readonly string[],
): Pick<ReceiptStep, 'agentIds' | 'attempts' | 'startedAt' | 'finishedAt'> {
  const ids = new Set(taskIds);
  const own = entries.filter((entry) => entry.resourceType === 'task' && ids.has(entry.resourceId));
  const claims = own.filter((entry) => entry.action === 'task.claim');
  const agents = new Set<string>();
  for (const claim of claims) {
    const agentId = afterOf(claim).agentId;
    if (typeof agentId === 'string') agents.add(agentId);
  }
  return {
    agentIds: [...agents].sort(),
    attempts: claims.length,
    startedAt: own.length > 0 ? own[0].occurredAt : null,
    finishedAt: own.length > 0 ? own[own.length - 1].occurredAt : null,
  };
}

/** The range, count and head of a run's entries, sorted by seq; null when there are none. */
export function auditRange(entries: readonly ReceiptEntry[]): ReceiptAudit | null {
  if (entries.length === 0) return null;
  const last = entries[entries.length - 1];
  return {
    fromSeq: entries[0].seq,
    toSeq: last.seq,
    entries: entries.length,
    headSeq: last.seq,
    headHash: last.hash,
  };
}

/** The status the run's last end entry recorded (`after.status`), if any. */
export function endStatus(entries: readonly ReceiptEntry[], runId: string): string | null {
  for (let i = entries.length - 1; i >= 0; i -= 1) {
    const entry = entries[i];
    if (
      entry.resourceType === 'workflow' &&
      entry.resourceId === runId &&
      RUN_END_ACTIONS.includes(entry.action)
    ) {
      const status = afterOf(entry).status;
      return typeof status === 'string' ? status : null;
    }
  }
  return null;
}

/** Sorts entries by seq (numerically: seqs are bigint strings). */
export function bySeq(entries: ReceiptEntry[]): ReceiptEntry[] {
  return entries.sort((a, b) => {
    const x = BigInt(a.seq);
    const y = BigInt(b.seq);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}
