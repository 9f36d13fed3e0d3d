import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** How long a key (and its stored response) is remembered. */
export const IDEMPOTENCY_TTL_HOURS = 24;
/** An in-flight key older than this belongs to a request that died: it may be taken over. */
export const IN_FLIGHT_STALE_SECONDS = 60;

export type Reservation =
  /** `lockedAt` names this reservation (its `locked_at`, exact): what `release` frees. */
  | { kind: 'reserved'; lockedAt: string }
  | { kind: 'replay'; statusCode: number; body: unknown; headers: Record<string, string> }
  | { kind: 'in_flight' }
  /** The first request's change committed, but its response was never stored. */
  | { kind: 'committed' }
  | { kind: 'mismatch' };

/**
 * Marks the key's change as made; joins the transaction of the change itself (see UnitOfWork),
 * so the mark and the change commit together or not at all.
 */
export const MARK_COMMITTED_SQL = `UPDATE idempotency_keys SET committed_at = now()
  WHERE tenant_id = $1 AND key = $2 AND committed_at IS NULL`;

/**
 * The idempotency_keys table. Each call is its own short statement, outside the business
 * transaction: the reservation must be visible to a concurrent repeat while the first runs.
 */
@Injectable()
export class IdempotencyStore {
  constructor(private readonly dataSource: DataSource) {}

  async reserve(tenantId: string, key: string, requestHash: string): Promise<Reservation> {
    // Insert, or take over an expired row or a stale in-flight one.
    const [claimed]: [Array<{ lockedAt: string }>] = await this.dataSource
      .query(
        `INSERT INTO idempotency_keys (tenant_id, key, request_hash, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(hours => $4))
       ON CONFLICT (tenant_id, key) DO UPDATE
          SET request_hash = EXCLUDED.request_hash, status_code = NULL, response_body = NULL,
              response_headers = NULL, locked_at = now(), expires_at = EXCLUDED.expires_at
        WHERE idempotency_keys.expires_at <= now()
           OR (idempotency_keys.status_code IS NULL
               AND idempotency_keys.committed_at IS NULL
               AND idempotency_keys.locked_at <= now() - make_interval(secs => $5)
               AND idempotency_keys.request_hash = EXCLUDED.request_hash)
       RETURNING locked_at::text AS "lockedAt"`,
        [tenantId, key, requestHash, IDEMPOTENCY_TTL_HOURS, IN_FLIGHT_STALE_SECONDS],
      )
      .then((rows: Array<{ lockedAt: string }>) => [rows]);
    if (claimed.length > 0) return { kind: 'reserved', lockedAt: claimed[0].lockedAt };
    const [row] = await this.dataSource.query<
      Array<{
        requestHash: string;
        statusCode: number | null;
        body: unknown;
        headers: Record<string, string> | null;
        committed: boolean;
      }>
    >(
      `SELECT request_hash AS "requestHash", status_code AS "statusCode", response_body AS body,
              response_headers AS headers, committed_at IS NOT NULL AS committed
         FROM idempotency_keys WHERE tenant_id = $1 AND key = $2`,
      [tenantId, key],
    );
    // Purged in between: try once more from the start.
    if (!row) return this.reserve(tenantId, key, requestHash);
    if (row.requestHash !== requestHash) return { kind: 'mismatch' };
    if (row.statusCode === null)
      return row.committed ? { kind: 'committed' } : { kind: 'in_flight' };
    return {
      kind: 'replay',
      statusCode: row.statusCode,
      body: row.body,
      headers: row.headers ?? {},
    };
  }

  async store(
    tenantId: string,
    key: string,
    statusCode: number,
    body: unknown,
    headers: Record<string, string>,
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE idempotency_keys
          SET status_code = $3, response_body = $4::jsonb, response_headers = $5::jsonb
        WHERE tenant_id = $1 AND key = $2`,
      [tenantId, key, statusCode, JSON.stringify(body ?? null), JSON.stringify(headers)],
    );
  }

  /**
   * The request failed and changed nothing: forget the key so the client may retry with it.
   * Only the reservation made at `lockedAt`: a release sent again (its first answer lost) never
   * frees the reservation of a retry made since.
   */
  async release(tenantId: string, key: string, lockedAt: string): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM idempotency_keys
        WHERE tenant_id = $1 AND key = $2 AND status_code IS NULL AND committed_at IS NULL
          AND locked_at = $3::timestamptz`,
      [tenantId, key, lockedAt],
    );
  }

  /** Deletes expired keys, a batch at a time; returns how many. */
  async purgeExpired(batch = 1000): Promise<number> {
    const [, count]: [unknown, number] = await this.dataSource.query(
      `DELETE FROM idempotency_keys WHERE ctid IN (
         SELECT ctid FROM idempotency_keys WHERE expires_at <= now() LIMIT $1)`,
      [batch],
    );
    return count;
  }
}
