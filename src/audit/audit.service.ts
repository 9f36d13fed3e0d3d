import { BadRequestError } from '../common/errors/domain-error';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { requestContext } from '../common/context/request-context';
import { UUID_PATTERN, uuidv7 } from '../common/ids';
import { decodeCursor, Page, toPage } from '../common/pagination';
import { Transaction } from '../database/unit-of-work';
import { GENESIS_HASH, SealedFields } from './audit-hash';
import { AuditSigner } from './audit-signer';
import { Checkpoint, checkpointSignatureValid } from './audit-signing';
import { AuditErrorCode } from './audit.errors';

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
  from?: Date;
  to?: Date;
}

/** One entry as read back, with its chain position once the sealer has reached it. */
export interface AuditRow extends Omit<SealedFields, 'seq'> {
  seq: string | null;
  prevHash: string | null;
  hash: string | null;
}

export interface VerifyResult {
  valid: boolean;
  checked: number;
  firstInvalidSeq: number | null;
  reason: string | null;
  head: { seq: number; hash: string } | null;
}

const SYSTEM_ACTOR = { type: 'system', id: 'agentmesh' } as const;
const VERIFY_BATCH = 2_000;
const VERIFY_READ_AHEAD = 3;

/**
 * `canonicalEntry` in SQL over audit_chain c and audit_entries e: the keys in UTF-16 order,
 * each value `to_json(text)` or null.
 */
const CANONICAL_SQL = `('{' || ${[
  ['action', 'e.action'],
  ['actorId', 'e.actor_id'],
  ['actorType', 'e.actor_type'],
  ['after', 'e.after::text'],
  ['before', 'e.before::text'],
  ['correlationId', 'e.correlation_id'],
  ['id', 'e.id::text'],
  ['ip', 'e.ip'],
  ['occurredAt', 'e.occurred_at'],
  ['resourceId', 'e.resource_id'],
  ['resourceType', 'e.resource_type'],
  ['seq', 'c.seq::text'],
  ['tenantId', 'e.tenant_id'],
  ['userAgent', 'e.user_agent'],
]
  .map(([key, column]) => `'"${key}":' || coalesce(to_json((${column})::text)::text, 'null')`)
  .join(` || ',' || `)} || '}')`;

/** The stored columns, as text, in the shape the hash function takes. */
const SELECT_FIELDS = `
  e.id, e.tenant_id AS "tenantId", e.occurred_at AS "occurredAt",
  e.actor_type AS "actorType", e.actor_id AS "actorId", e.action,
  e.resource_type AS "resourceType", e.resource_id AS "resourceId",
  e.correlation_id AS "correlationId", e.ip, e.user_agent AS "userAgent",
  e.before::text AS before, e.after::text AS after`;

@Injectable()
export class AuditService {
  /** Entries recorded in a transaction and not yet written (see `record`). */
  private readonly pending = new WeakMap<Transaction, unknown[][]>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly signer: AuditSigner,
  ) {}

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
      uuidv7(),
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
    const column = (index: number) => rows.map((row) => row[index]);
    tx.writeBeforeCommit(
      `INSERT INTO audit_entries (id, tenant_id, occurred_at, actor_type, actor_id, action,
         resource_type, resource_id, correlation_id, ip, user_agent, before, after, txid)
       SELECT id, tenant_id,
              to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
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
    // Stored timestamps are fixed-width microsecond strings, so string order is time order.
    if (filter.from) add('e.occurred_at >= ?', storedTimestamp(filter.from));
    if (filter.to) add('e.occurred_at < ?', storedTimestamp(filter.to));
    if (after) {
      params.push(after[0], after[1]);
      where.push(`(e.occurred_at, e.id) < ($${params.length - 1}, $${params.length}::uuid)`);
    }
    params.push(limit + 1);
    const rows: AuditRow[] = await this.dataSource.query(
      `SELECT ${SELECT_FIELDS}, c.seq::text AS seq, c.prev_hash AS "prevHash", c.hash
         FROM audit_entries e LEFT JOIN audit_chain c ON c.entry_id = e.id
        WHERE ${where.join(' AND ')}
        ORDER BY e.occurred_at DESC, e.id DESC
        LIMIT $${params.length}`,
      params,
    );
    return toPage(rows, limit, (row) => [row.occurredAt, row.id]);
  }

  /**
   * Sealed entries in chain order, in batches, for the NDJSON export: one tenant's, or with
   * `tenantId` null the whole chain (platform admins only; the controller checks).
   */
  async *exportSealed(tenantId: string | null): AsyncGenerator<AuditRow> {
    let afterSeq = '0';
    for (;;) {
      const rows: AuditRow[] = await this.dataSource.query(
        `SELECT ${SELECT_FIELDS}, c.seq::text AS seq, c.prev_hash AS "prevHash", c.hash
           FROM audit_chain c JOIN audit_entries e ON e.id = c.entry_id
          WHERE ($1::varchar IS NULL OR e.tenant_id = $1) AND c.seq > $2::bigint
          ORDER BY c.seq LIMIT $3`,
        [tenantId, afterSeq, VERIFY_BATCH],
      );
      if (rows.length === 0) return;
      yield* rows;
      afterSeq = rows[rows.length - 1].seq ?? afterSeq;
    }
  }

  /**
   * Recomputes every hash in [fromSeq, toSeq] from the stored entry bytes. Any change to an
   * entry, a missing or extra link, or a broken prev_hash stops at the first bad seq.
   */
  async verify(fromSeq?: number, toSeq?: number): Promise<VerifyResult> {
    if (fromSeq !== undefined && toSeq !== undefined && fromSeq > toSeq) {
      throw new BadRequestError(AuditErrorCode.InvalidRange, 'fromSeq is after toSeq.', [
        { field: 'fromSeq', message: 'fromSeq must not be greater than toSeq' },
      ]);
    }
    const [headRow] = await this.dataSource.query<Array<{ seq: string; hash: string }>>(
      // Ordered by the bigint column: the text alias would sort '99' after '106'.
      `SELECT c.seq::text AS seq, c.hash FROM audit_chain c ORDER BY c.seq DESC LIMIT 1`,
    );
    const head = headRow ? { seq: Number(headRow.seq), hash: headRow.hash } : null;
    const first = fromSeq ?? 1;
    const last = Math.min(toSeq ?? head?.seq ?? 0, head?.seq ?? 0);
    let prevHash = GENESIS_HASH;
    if (first > 1) {
      const [previous] = await this.dataSource.query<Array<{ hash: string }>>(
        `SELECT hash FROM audit_chain WHERE seq = $1`,
        [first - 1],
      );
      if (!previous) return invalid(0, first - 1, 'missing_link', head);
      prevHash = previous.hash;
    }
    const registered = await this.registeredKeys();
    let checked = 0;
    let expected = first;
    // Batches ahead are read while this one is hashed: the database and the CPU overlap.
    const ahead: Array<ReturnType<AuditService['verifyBatch']>> = [];
    let nextFrom = first;
    const readAhead = () => {
      while (ahead.length < VERIFY_READ_AHEAD && nextFrom <= last) {
        const batch = this.verifyBatch(nextFrom, Math.min(last, nextFrom + VERIFY_BATCH - 1));
        // An early return leaves reads running; their failure must not go unhandled.
        batch.catch(() => undefined);
        ahead.push(batch);
        nextFrom += VERIFY_BATCH;
      }
    };
    readAhead();
    while (ahead.length > 0) {
      const { rows, signed } = await ahead.shift()!;
      readAhead();
      if (rows.length === 0) return invalid(checked, expected, 'missing_link', head);
      for (const row of rows) {
        if (Number(row.seq) !== expected) return invalid(checked, expected, 'missing_link', head);
        if (row.computed === null) return invalid(checked, expected, 'missing_entry', head);
        if (row.prevHash !== prevHash) {
          return invalid(checked, expected, 'prev_hash_mismatch', head);
        }
        if (row.computed !== row.storedHash) {
          return invalid(checked, expected, 'hash_mismatch', head);
        }
        // A rewritten history can be made self-consistent; it cannot match a signed head.
        const checkpoint = signed.get(expected);
        if (checkpoint) {
          if (
            !this.signer.trusts(checkpoint.publicKey, registered) ||
            !checkpointSignatureValid(checkpoint)
          ) {
            return invalid(checked, expected, 'bad_checkpoint_signature', head);
          }
          if (checkpoint.hash !== row.storedHash) {
            return invalid(checked, expected, 'checkpoint_mismatch', head);
          }
        }
        prevHash = row.storedHash;
        checked += 1;
        expected += 1;
      }
    }
    if (toSeq === undefined || toSeq >= (head?.seq ?? 0)) {
      const truncated = await this.truncation(head, registered);
      if (truncated) return invalid(checked, truncated.seq, truncated.reason, head);
    }
    return { valid: true, checked, firstInvalidSeq: null, reason: null, head };
  }

  /**
   * The links in [from, to], each with the hash PostgreSQL recomputes from the stored entry, and
   * the checkpoints signed among them. The canonical form is built in SQL: every field is text
   * (or null), and `to_json(text)` escapes exactly as ECMAScript's JSON.stringify, which RFC 8785
   * adopts, so the bytes are those of `canonicalEntry` (the offline verifier's JavaScript path;
   * a test holds the two equal on hostile strings). It spares the transfer and parsing of every
   * field: verification runs at the speed of the database's sha256.
   */
  private async verifyBatch(from: number, to: number) {
    const rows = await this.dataSource.query<
      Array<{ seq: string; prevHash: string; storedHash: string; computed: string | null }>
    >(
      `SELECT c.seq::text AS seq, c.prev_hash AS "prevHash", c.hash AS "storedHash",
              CASE WHEN e.id IS NOT NULL THEN
                encode(sha256(convert_to(c.prev_hash || ${CANONICAL_SQL}, 'UTF8')), 'hex')
              END AS computed
         FROM audit_chain c LEFT JOIN audit_entries e ON e.id = c.entry_id
        WHERE c.seq >= $1 AND c.seq <= $2 ORDER BY c.seq`,
      [from, to],
    );
    const checkpoints =
      rows.length === 0
        ? []
        : await this.dataSource.query<Checkpoint[]>(
            `SELECT seq::text AS seq, hash, signed_at AS "signedAt", public_key AS "publicKey",
                    signature
               FROM audit_checkpoints WHERE seq >= $1 AND seq <= $2`,
            [from, to],
          );
    return {
      rows,
      signed: new Map(checkpoints.map((checkpoint) => [Number(checkpoint.seq), checkpoint])),
    };
  }

  private async registeredKeys(): Promise<Set<string>> {
    const rows = await this.dataSource.query<Array<{ publicKey: string }>>(
      'SELECT public_key AS "publicKey" FROM audit_signing_keys',
    );
    return new Set(rows.map((row) => row.publicKey));
  }

  /**
   * A chain cut short (its tail deleted, or the whole database restored from an older backup)
   * is self-consistent; what gives it away is a signed head beyond it: the newest trusted
   * checkpoint in the database, or the anchor the sealer keeps outside it.
   */
  private async truncation(
    head: VerifyResult['head'],
    registered: ReadonlySet<string>,
  ): Promise<{ seq: number; reason: string } | undefined> {
    const headSeq = head?.seq ?? 0;
    const [latest] = await this.dataSource.query<Checkpoint[]>(
      `SELECT seq::text AS seq, hash, signed_at AS "signedAt", public_key AS "publicKey", signature
         FROM audit_checkpoints WHERE seq > $1 ORDER BY seq DESC LIMIT 1`,
      [headSeq],
    );
    if (latest) {
      if (!this.signer.trusts(latest.publicKey, registered) || !checkpointSignatureValid(latest)) {
        return { seq: Number(latest.seq), reason: 'bad_checkpoint_signature' };
      }
      return { seq: headSeq + 1, reason: 'chain_truncated' };
    }
    const [first] = await this.dataSource.query<Array<{ hash: string }>>(
      'SELECT hash FROM audit_chain WHERE seq = 1',
    );
    const anchor = first ? this.signer.anchor(first.hash) : undefined;
    if (!anchor) return undefined;
    if (Number(anchor.seq) > headSeq) return { seq: headSeq + 1, reason: 'chain_truncated' };
    const [link] = await this.dataSource.query<Array<{ hash: string }>>(
      'SELECT hash FROM audit_chain WHERE seq = $1',
      [anchor.seq],
    );
    if (link?.hash !== anchor.hash) return { seq: Number(anchor.seq), reason: 'anchor_mismatch' };
    return undefined;
  }
}

function invalid(
  checked: number,
  seq: number,
  reason: string,
  head: VerifyResult['head'],
): VerifyResult {
  return { valid: false, checked, firstInvalidSeq: seq, reason, head };
}

/** A Date in the stored format (`…SS.ffffffZ`), comparable as a string. */
export function storedTimestamp(date: Date): string {
  return date.toISOString().replace(/Z$/, '000Z');
}
