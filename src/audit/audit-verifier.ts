import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { GENESIS_HASH } from './audit-hash';
import { anchorBreak, databaseIdentity } from './audit-anchor';
import { Anchor, AuditSigner } from './audit-signer';
import { Checkpoint, checkpointSignatureValid } from './audit-signing';
import { SnapshotQuery, withReadSnapshot } from './read-snapshot';
import { checkBounds, resolveRange, VerifyBounds } from './verify-range';

export interface VerifyResult {
  valid: boolean;
  checked: number;
  firstInvalidSeq: number | null;
  reason: string | null;
  head: { seq: number; hash: string } | null;
}

type Head = VerifyResult['head'];

export const VERIFY_BATCH = 2_000;
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

const CHECKPOINT_FIELDS = `seq::text AS seq, hash, signed_at AS "signedAt",
  public_key AS "publicKey", signature`;

/**
 * Online verification of the hash chain. Everything it compares (the head, the links, the
 * checkpoints, the registered keys) is read in one `REPEATABLE READ READ ONLY` snapshot, and the
 * sealer's anchor is taken before that snapshot: while the sealer keeps appending, a verify
 * would otherwise take a checkpoint or an anchor newer than the head it read for a cut-off tail.
 */
@Injectable()
export class AuditVerifier {
  constructor(
    private readonly dataSource: DataSource,
    private readonly signer: AuditSigner,
  ) {}

  async verify(bounds: VerifyBounds = {}): Promise<VerifyResult> {
    checkBounds(bounds);
    // Before the snapshot: every anchor is then a head committed in what the snapshot sees.
    const anchors = this.signer.anchorsNow();
    // Parallel reads need several pooled connections at once: only for uncapped (admin) calls.
    const connections = bounds.maxLinks === undefined ? VERIFY_READ_AHEAD : 1;
    return withReadSnapshot(this.dataSource, connections, (queries) =>
      this.verifyIn(queries, bounds, anchors),
    );
  }

  private async verifyIn(
    queries: SnapshotQuery[],
    bounds: VerifyBounds,
    anchors: ReadonlyMap<string, Anchor>,
  ): Promise<VerifyResult> {
    const query = queries[0];
    const [headRow] = await query<{ seq: string; hash: string }>(
      // Ordered by the bigint column: the text alias would sort '99' after '106'.
      `SELECT c.seq::text AS seq, c.hash FROM audit_chain c ORDER BY c.seq DESC LIMIT 1`,
    );
    const head = headRow ? { seq: Number(headRow.seq), hash: headRow.hash } : null;
    const { first, last, reachesHead } = resolveRange(bounds, head?.seq ?? 0);
    let prevHash = GENESIS_HASH;
    if (first > 1) {
      const [previous] = await query<{ hash: string }>(
        `SELECT hash FROM audit_chain WHERE seq = $1`,
        [first - 1],
      );
      if (!previous) return invalid(0, first - 1, 'missing_link', head);
      prevHash = previous.hash;
    }
    const registered = await this.registeredKeys(query);
    let checked = 0;
    let expected = first;
    // Batches ahead are read while this one is checked, each on its own connection in turn.
    const ahead: Array<ReturnType<AuditVerifier['verifyBatch']>> = [];
    let nextFrom = first;
    let batchIndex = 0;
    const readAhead = () => {
      while (ahead.length < VERIFY_READ_AHEAD && nextFrom <= last) {
        const on = queries[batchIndex % queries.length];
        const batch = this.verifyBatch(on, nextFrom, Math.min(last, nextFrom + VERIFY_BATCH - 1));
        // An early return leaves reads running; their failure must not go unhandled.
        batch.catch(() => undefined);
        ahead.push(batch);
        nextFrom += VERIFY_BATCH;
        batchIndex += 1;
      }
    };
    try {
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
    } finally {
      // The snapshot's connections are released next: let reads still queued on them end first.
      await Promise.allSettled(ahead);
    }
    // Links missing at the end of the range: no later link in it showed the gap.
    if (expected <= last) return invalid(checked, expected, 'missing_link', head);
    if (reachesHead) {
      const truncated = await this.truncation(query, head, registered, anchors);
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
  private async verifyBatch(query: SnapshotQuery, from: number, to: number) {
    const rows = await query<{
      seq: string;
      prevHash: string;
      storedHash: string;
      computed: string | null;
    }>(
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
        : await query<Checkpoint>(
            `SELECT ${CHECKPOINT_FIELDS} FROM audit_checkpoints WHERE seq >= $1 AND seq <= $2`,
            [from, to],
          );
    return {
      rows,
      signed: new Map(checkpoints.map((checkpoint) => [Number(checkpoint.seq), checkpoint])),
    };
  }

  private async registeredKeys(query: SnapshotQuery): Promise<Set<string>> {
    const rows = await query<{ publicKey: string }>(
      'SELECT public_key AS "publicKey" FROM audit_signing_keys',
    );
    return new Set(rows.map((row) => row.publicKey));
  }

  /**
   * A chain cut short (its tail deleted, or the whole database restored from an older backup)
   * is self-consistent; what gives it away is a signed head beyond it: the newest trusted
   * checkpoint in the database, or the anchor the sealer keeps outside it (which also catches a
   * chain replaced from seq 1 with its checkpoints deleted).
   */
  private async truncation(
    query: SnapshotQuery,
    head: Head,
    registered: ReadonlySet<string>,
    anchors: ReadonlyMap<string, Anchor>,
  ): Promise<{ seq: number; reason: string } | undefined> {
    const headSeq = head?.seq ?? 0;
    const [latest] = await query<Checkpoint>(
      `SELECT ${CHECKPOINT_FIELDS} FROM audit_checkpoints
        WHERE seq > $1 ORDER BY seq DESC LIMIT 1`,
      [headSeq],
    );
    if (latest) {
      if (!this.signer.trusts(latest.publicKey, registered) || !checkpointSignatureValid(latest)) {
        return { seq: Number(latest.seq), reason: 'bad_checkpoint_signature' };
      }
      return { seq: headSeq + 1, reason: 'chain_truncated' };
    }
    const { broken } = await anchorBreak(query, anchors, headSeq, await databaseIdentity(query));
    return broken && { seq: broken.seq, reason: broken.reason };
  }
}

function invalid(checked: number, seq: number, reason: string, head: Head): VerifyResult {
  return { valid: false, checked, firstInvalidSeq: seq, reason, head };
}
