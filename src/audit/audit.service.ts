import { ascendingIds, AUDIT_NOW_SQL } from './audit-time';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { requestContext } from '../common/context/request-context';
import { UUID_PATTERN } from '../common/ids';
import { decodeCursor, Page, toPage } from '../common/pagination';
import { ReadRouter } from '../database/read-router';
import { Transaction } from '../database/unit-of-work';
import { SealedFields } from './audit-hash';
import { AuditSigner, keyIdOf } from './audit-signer';
import { Checkpoint } from './audit-signing';
import { receiptSignatureValid } from './receipt-verifier';
import { ReceiptEntry, receiptHashOf, SignedReceipt } from './run-receipt';
import { AuditVerifier, VerifyResult } from './audit-verifier';
import { VerifyBounds } from './verify-range';

export type { VerifyResult } from './audit-verifier';

export interface AuditRecordInput {
  action: string;
  resource: { type: string; id: string };
  before?: unknown;
  after?: unknown;
  /** The tenant the change belongs to when it is not the caller's (e.g. creating a tenant). */
  tenantId?: string;
}

export interface AuditFilter {
  resourceType?: string;
  resourceId?: string;
  actorId?: string;
  action?: string;
  /** ISO 8601 date-times with their zone, as sent (microseconds kept). */
  from?: string;
  to?: string;
}

/** One entry as read back, with its chain position once the sealer has reached it. */
export interface AuditRow extends Omit<SealedFields, 'seq'> {
  seq: string | null;
  prevHash: string | null;
  hash: string | null;
}

const SYSTEM_ACTOR = { type: 'system', id: 'agentmesh' } as const;
const EXPORT_BATCH = 2_000;

/** The stored columns, as text, in the shape the hash function takes. */
const SELECT_FIELDS = `
  e.id, e.tenant_id AS "tenantId", e.occurred_at AS "occurredAt",
  e.actor_type AS "actorType", e.actor_id AS "actorId", e.action,
  e.resource_type AS "resourceType", e.resource_id AS "resourceId",
  e.correlation_id AS "correlationId", e.ip, e.user_agent AS "userAgent",
  e.before::text AS before, e.after::text AS after`;

/**
 * An export line for a chain link whose entry is gone: the verifier reads it as missing_entry.
 * Without the entry's id, which would tell every tenant another's deleted entry.
 */
export interface MissingEntryRow {
  seq: string;
  prevHash: string;
  hash: string;
  missingEntry: true;
}

/** An export statement's row as its line: the entry, or the link as missing its entry. */
function exportLine({
  missing,
  ...row
}: AuditRow & { missing: boolean }): AuditRow | MissingEntryRow {
  return missing
    ? { seq: row.seq!, prevHash: row.prevHash!, hash: row.hash!, missingEntry: true }
    : row;
}

/** Links of the chain one statement of a tenant's export reads (~0.1 s each). */
export const EXPORT_WINDOW_LINKS = 20_000;

/**
 * One window of a tenant's export: its entries among the links `($2, $3]`, and the links whose
 * entry is gone, in seq order. Each link's entry is read by its id, its tenant first and its
 * fields only when it is the tenant's (`OFFSET 0` keeps each lateral read from being flattened
 * into a join the planner may turn around, or from reading another tenant's diffs): never all
 * of the tenant's entries to sort a window's, which statistics from before a burst of writes
 * once chose, every batch reading every entry of the tenant.
 */
const HEAD_SEQ_SQL = 'SELECT coalesce(max(seq), 0)::text AS head FROM audit_chain';

export const TENANT_EXPORT_SQL = `
  SELECT f.*, c.seq::text AS seq, c.prev_hash AS "prevHash", c.hash, k.id IS NULL AS missing
    FROM audit_chain c
    LEFT JOIN LATERAL (SELECT e.id, e.tenant_id FROM audit_entries e
                        WHERE e.id = c.entry_id OFFSET 0) k ON true
    LEFT JOIN LATERAL (SELECT ${SELECT_FIELDS} FROM audit_entries e
                        WHERE e.id = k.id OFFSET 0) f ON true
   WHERE c.seq > $2::bigint AND c.seq <= $3::bigint AND (k.id IS NULL OR k.tenant_id = $1)
   ORDER BY c.seq`;

@Injectable()
export class AuditService {
  /** Whether `registerSigningKey` has committed. */
  private keyRegistered = false;
  /** Entries recorded in a transaction and not yet written (see `record`). */
  private readonly pending = new WeakMap<Transaction, unknown[][]>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly verifier: AuditVerifier,
    private readonly reads: ReadRouter,
    private readonly signer: AuditSigner,
  ) {}

  /**
   * Each run's entries (its own and its tasks') in seq order, with their chain position; null
   * for a run while any of them is not sealed yet. One statement for the whole batch, each
   * (tenant, resource type, resource id) served by the index of that name.
   */
  async runsEntries(
    manager: EntityManager,
    runs: Array<{ tenantId: string; runId: string; taskIds: string[] }>,
  ): Promise<Map<string, ReceiptEntry[] | null>> {
    const keys = runs.flatMap((run) => [
      [run.tenantId, 'workflow', run.runId, run.runId],
      ...run.taskIds.map((taskId) => [run.tenantId, 'task', taskId, run.runId]),
    ]);
    const column = (i: number) => keys.map((key) => key[i]);
    const rows =
      keys.length === 0
        ? []
        : await manager.query<
            Array<
              Omit<ReceiptEntry, 'seq' | 'hash'> & {
                runId: string;
                seq: string | null;
                hash: string | null;
              }
            >
          >(
            `SELECT k.run_id AS "runId", c.seq::text AS seq, c.hash,
                    e.occurred_at AS "occurredAt", e.tenant_id AS "tenantId", e.action,
                    e.resource_type AS "resourceType", e.resource_id AS "resourceId",
                    e.after::text AS after
               FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::uuid[])
                    AS k(tenant_id, resource_type, resource_id, run_id)
               JOIN audit_entries e ON e.tenant_id = k.tenant_id
                AND e.resource_type = k.resource_type AND e.resource_id = k.resource_id
               LEFT JOIN audit_chain c ON c.entry_id = e.id
              ORDER BY k.run_id, c.seq NULLS LAST`,
            [column(0), column(1), column(2), column(3)],
          );
    const entries = new Map<string, ReceiptEntry[] | null>(runs.map((run) => [run.runId, []]));
    for (const { runId, ...row } of rows) {
      const list = entries.get(runId);
      if (!list) continue;
      if (row.seq === null || row.hash === null) entries.set(runId, null);
      else list.push(row as ReceiptEntry);
    }
    return entries;
  }

  /** Signs `message` with the audit signing key (Ed25519): run receipts. */
  signWithAuditKey(message: Buffer): { signature: string; keyId: string; publicKey: string } {
    return {
      signature: this.signer.signBytes(message),
      keyId: this.signer.keyId,
      publicKey: this.signer.publicKey,
    };
  }

  /**
   * Records this replica's signing key in audit_signing_keys (once per process, in `tx`), where
   * the other replicas find it to trust what it signed: the sealer does so with its first
   * checkpoint, the receipt issuer with its first receipts (a replica that never seals signs
   * receipts too).
   */
  async registerSigningKey(tx: Transaction): Promise<void> {
    if (this.keyRegistered) return;
    const { sql, params } = this.signer.registration;
    await tx.manager.query(sql, params);
    tx.afterCommit(() => {
      this.keyRegistered = true;
    });
  }

  /**
   * Whether a stored receipt is as it was issued: its hash, its key id and its signature match
   * it, under a key the service trusts (its own, AUDIT_TRUSTED_KEYS, or one a replica
   * registered: see registerSigningKey). A receipt changed in the database, or re-signed there
   * with another key, is not.
   */
  async receiptHolds(signed: SignedReceipt): Promise<boolean> {
    if (
      receiptHashOf(signed.receipt) !== signed.receiptHash ||
      keyIdOf(signed.publicKey) !== signed.keyId ||
      !receiptSignatureValid(signed.receipt, signed.signature, signed.publicKey)
    ) {
      return false;
    }
    if (this.signer.trusts(signed.publicKey)) return true;
    const registered = await this.dataSource.query<unknown[]>(
      'SELECT 1 FROM audit_signing_keys WHERE public_key = $1',
      [signed.publicKey],
    );
    return registered.length > 0;
  }

  /** Signed checkpoints, newest first, keyset-paginated on seq. */
  async checkpoints(limit: number, cursor?: string): Promise<Page<Checkpoint>> {
    const after = decodeCursor(cursor, [/^[1-9]\d{0,17}$/]);
    const rows = await this.dataSource.query<Checkpoint[]>(
      `SELECT seq::text AS seq, hash, signed_at AS "signedAt", public_key AS "publicKey", signature
         FROM audit_checkpoints k
        WHERE $1::bigint IS NULL OR k.seq < $1::bigint
        ORDER BY k.seq DESC LIMIT $2`,
      [after ? after[0] : null, limit + 1],
    );
    return toPage(rows, limit, (row) => [row.seq]);
  }

  /**
   * Writes the entry in the caller's transaction, so it commits or rolls back with the change.
   * No lock is taken here: ordering and hashing are the sealer's job, after commit. Entries are
   * buffered (with the context of the moment) and written just before COMMIT, all of the
   * transaction's in one INSERT.
   */
  async record(tx: Transaction, input: AuditRecordInput): Promise<void> {
    const context = requestContext.get();
    const actor = context?.actor ?? SYSTEM_ACTOR;
    let pending = this.pending.get(tx);
    if (!pending) {
      pending = [];
      this.pending.set(tx, pending);
      tx.beforeCommit(() => this.flush(tx));
    }
    pending.push([
      // The id is given at flush (ascending in write order, see ascendingIds).
      null,
      input.tenantId ?? context?.tenantId ?? null,
      actor.type,
      actor.id,
      input.action,
      input.resource.type,
      input.resource.id,
      context?.correlationId ?? null,
      context?.ip ?? null,
      context?.userAgent?.slice(0, 512) ?? null,
      input.before === undefined ? null : JSON.stringify(input.before),
      input.after === undefined ? null : JSON.stringify(input.after),
    ]);
  }

  /** Hands the buffered rows to the unit of work, which writes them with the others. */
  private async flush(tx: Transaction): Promise<void> {
    const rows = this.pending.get(tx) ?? [];
    this.pending.delete(tx);
    if (rows.length === 0) return;
    // Ascending in the order they were recorded: the sealer chains a transaction's entries in
    // id order (UUIDv7s of one millisecond are otherwise unordered).
    const ids = ascendingIds(rows.length);
    const column = (index: number) => (index === 0 ? ids : rows.map((row) => row[index]));
    tx.writeBeforeCommit(
      `INSERT INTO audit_entries (id, tenant_id, occurred_at, actor_type, actor_id, action,
         resource_type, resource_id, correlation_id, ip, user_agent, before, after, txid)
       SELECT id, tenant_id,
              ${AUDIT_NOW_SQL},
              actor_type, actor_id, action, resource_type, resource_id, correlation_id, ip,
              user_agent, before::jsonb, after::jsonb, pg_current_xact_id()::text::bigint
         FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[],
                     $6::varchar[], $7::varchar[], $8::varchar[], $9::varchar[], $10::varchar[],
                     $11::text[], $12::text[]) WITH ORDINALITY
              AS e(id, tenant_id, actor_type, actor_id, action, resource_type, resource_id,
                   correlation_id, ip, user_agent, before, after, n)
        ORDER BY n`,
      Array.from({ length: 12 }, (_, index) => column(index)),
    );
  }

  /** The tenant's entries, newest first, keyset-paginated on (occurred_at, id). */
  async list(
    tenantId: string,
    filter: AuditFilter,
    limit: number,
    cursor?: string,
  ): Promise<Page<AuditRow>> {
    const after = decodeCursor(cursor, [/^\d{4}-\d\d-\d\dT[\d:.]+Z$/, UUID_PATTERN]);
    const where = ['e.tenant_id = $1'];
    const params: unknown[] = [tenantId];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.resourceType) add('e.resource_type = ?', filter.resourceType);
    if (filter.resourceId) add('e.resource_id = ?', filter.resourceId);
    if (filter.actorId) add('e.actor_id = ?', filter.actorId);
    if (filter.action) add('e.action = ?', filter.action);
    // Stored timestamps are fixed-width microsecond strings, so string order is time order; a
    // bound is put in that format by PostgreSQL, which keeps its microseconds (a Date would not).
    if (filter.from) add(`e.occurred_at >= ${STORED_FORMAT('?')}`, filter.from);
    if (filter.to) add(`e.occurred_at < ${STORED_FORMAT('?')}`, filter.to);
    if (after) {
      params.push(after[0], after[1]);
      where.push(`(e.occurred_at, e.id) < ($${params.length - 1}, $${params.length}::uuid)`);
    }
    params.push(limit + 1);
    const rows = await this.reads.read((source) =>
      source.query<AuditRow[]>(
        `SELECT ${SELECT_FIELDS}, c.seq::text AS seq, c.prev_hash AS "prevHash", c.hash
           FROM audit_entries e LEFT JOIN audit_chain c ON c.entry_id = e.id
          WHERE ${where.join(' AND ')}
          ORDER BY e.occurred_at DESC, e.id DESC
          LIMIT $${params.length}`,
        params,
      ),
    );
    return toPage(rows, limit, (row) => [row.occurredAt, row.id]);
  }

  /**
   * Sealed entries in chain order, in batches, for the NDJSON export: one tenant's, or with
   * `tenantId` null the whole chain (platform admins only; the controller checks). A link whose
   * entry was deleted is in every export (`MissingEntryRow`): whose it was is gone with it, and
   * left out of a tenant's export it would read as another tenant's entry.
   */
  async *exportSealed(tenantId: string | null): AsyncGenerator<AuditRow | MissingEntryRow> {
    if (tenantId === null) {
      yield* this.exportWhole();
      return;
    }
    // One walk of the chain, a window of links at a time, to the head as it moves on. Each
    // window reads the head on the same database first: a window from a replica behind the
    // primary stops at its head, and the next starts there (a link is never skipped).
    for (let from = 0n; ;) {
      const { rows, upTo } = await this.reads.read(async (source) => {
        const [{ head }] = await source.query<Array<{ head: string }>>(HEAD_SEQ_SQL);
        const end = from + BigInt(EXPORT_WINDOW_LINKS);
        const until = BigInt(head) < end ? BigInt(head) : end;
        if (until <= from) return { rows: [], upTo: from };
        const found = await source.query<Array<AuditRow & { missing: boolean }>>(
          TENANT_EXPORT_SQL,
          [tenantId, from.toString(), until.toString()],
        );
        return { rows: found, upTo: until };
      });
      if (upTo <= from) return;
      for (const row of rows) yield exportLine(row);
      from = upTo;
    }
  }

  /** The whole chain, each link with its entry or as missing, walked by seq. */
  private async *exportWhole(): AsyncGenerator<AuditRow | MissingEntryRow> {
    let afterSeq = '0';
    for (;;) {
      // Each batch from the replica when it is current: an export reads the chain in seq
      // order, and a batch from a lagging replica only ends the export a few entries early.
      const rows = await this.reads.read((source) =>
        source.query<Array<AuditRow & { missing: boolean }>>(
          `SELECT ${SELECT_FIELDS}, c.seq::text AS seq, c.prev_hash AS "prevHash", c.hash,
                  e.id IS NULL AS missing
             FROM audit_chain c LEFT JOIN audit_entries e ON e.id = c.entry_id
            WHERE c.seq > $1::bigint
            ORDER BY c.seq LIMIT $2`,
          [afterSeq, EXPORT_BATCH],
        ),
      );
      if (rows.length === 0) return;
      for (const row of rows) yield exportLine(row);
      afterSeq = rows[rows.length - 1].seq!;
    }
  }

  /** Recomputes the chain's hashes over a seq range; see AuditVerifier. */
  verify(bounds: VerifyBounds = {}): Promise<VerifyResult> {
    return this.verifier.verify(bounds);
  }
}

/** A date-time parameter in the stored format (`…SS.ffffffZ`), comparable as a string. */
const STORED_FORMAT = (parameter: string) =>
  `to_char(${parameter}::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
