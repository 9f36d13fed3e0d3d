import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { uuidv7 } from '../../common/ids';
import { PgNotifications } from '../../database/pg-notifications';
import { preparedQuery } from '../../database/prepared';
import { Transaction } from '../../database/unit-of-work';
import { DomainEvent, eventTypeMatches } from '../../events/domain-event';
import type { AttemptOutcome } from './retry-policy';
import { liveOlderSecretsSql } from '../secret-overlap';

/** NOTIFY channel: deliveries became due (created, retried, recovered, endpoint enabled). */
export const DELIVERIES_CHANNEL = 'agentmesh_webhook_deliveries';

/** Events that end a run: their deliveries carry the hash of the run's receipt. */
export const RUN_END_EVENT_TYPES = ['workflow.succeeded', 'workflow.failed', 'workflow.cancelled'];
/** Advisory-lock space ("rcpt") of a run-end event's receipt hash, with hashtext(event id). */
const RECEIPT_LOCK_SPACE = 0x72637074;

/** A receipt issued for the run that an event (`eventId`) finished. */
export interface IssuedReceipt {
  eventId: string;
  tenantId: string;
  receiptHash: string;
}

/** A delivery taken by one sender, with what it needs to send it. */
export interface ClaimedDelivery {
  id: string;
  tenantId: string;
  endpointId: string;
  url: string;
  /** Current secret first, then the previous one while it is still valid. */
  secrets: string[];
  messageId: string;
  eventType: string;
  body: string;
  correlationId: string | null;
  /** The traceparent of the span that emitted the event (tracing on): attempts continue it. */
  traceContext: string | null;
  /** Request headers the endpoint asks for besides ours (an A2A config's token). */
  headers: Record<string, string> | null;
  occurredAt: Date;
  attempts: number;
  maxAttempts: number;
  /**
   * The lease this claim holds, as PostgreSQL prints it (microseconds kept: a Date would round
   * them away and never match again): only its holder may record the attempt.
   */
  leasedUntil: string;
}

export interface AttemptRecord {
  delivery: ClaimedDelivery;
  attemptedAt: Date;
  durationMs: number;
  statusCode: number | null;
  responseBody: string | null;
  error: string | null;
  outcome: AttemptOutcome;
}

export interface ClaimLimits {
  /** Endpoints this replica has enough in flight for already. */
  busyEndpoints: string[];
  perEndpoint: number;
  total: number;
  leaseMs: number;
  breakerThreshold: number;
}

interface EndpointHealth {
  id: string;
  failures: number;
  /** A success came before the trailing failures: the count starts again from them. */
  reset: boolean;
  firstFailure: Date | null;
}

/**
 * The delivery queue's SQL, in one place. Hot paths are plain parameterised SQL over arrays
 * (unnest) so a batch of deliveries costs a few statements, not a few per delivery.
 */
@Injectable()
export class DeliveryStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly notifications: PgNotifications,
  ) {}

  /**
   * One delivery per (event, enabled endpoint of its tenant whose patterns match), written in
   * the dispatcher's transaction. Idempotent: a redelivered event adds nothing.
   */
  async fanOut(
    tx: Transaction,
    events: DomainEvent[],
    schedule: readonly number[],
    receiptWaitMs = 0,
  ): Promise<number> {
    const tenants = [...new Set(events.map((event) => event.tenantId).filter((id) => id !== null))];
    if (tenants.length === 0) return 0;
    // FOR KEY SHARE: an endpoint deleted meanwhile (its DELETE holds it FOR UPDATE) is waited
    // for and then left out, not handed a delivery whose insert fails the whole dispatch.
    // Changes that keep the endpoint (FOR NO KEY UPDATE) do not wait for it, nor it for them.
    const endpoints: Array<{ id: string; tenant_id: string; event_types: string[] }> =
      await tx.manager.query(
        `SELECT id, tenant_id, event_types FROM webhook_endpoints
          WHERE tenant_id = ANY($1::varchar[]) AND enabled AND kind = 'webhook'
          FOR KEY SHARE`,
        [tenants],
      );
    if (endpoints.length === 0) return 0;
    const messages: DomainEvent[] = [];
    const pairs: Array<{ endpointId: string; event: DomainEvent }> = [];
    for (const event of events) {
      const matching = endpoints.filter(
        (endpoint) =>
          endpoint.tenant_id === event.tenantId &&
          endpoint.event_types.some((pattern) => eventTypeMatches(pattern, event.type)),
      );
      if (matching.length === 0) continue;
      messages.push(event);
      for (const endpoint of matching) pairs.push({ endpointId: endpoint.id, event });
    }
    if (pairs.length === 0) return 0;
    const receiptHashes = await this.knownReceiptHashes(
      tx,
      messages.filter((event) => RUN_END_EVENT_TYPES.includes(event.type)).map((event) => event.id),
    );
    // A run's end waits for its receipt (stampReceipts sends it early), at most receiptWaitMs.
    const held = (event: DomainEvent) =>
      RUN_END_EVENT_TYPES.includes(event.type) && !receiptHashes.has(event.id);
    const dataOf = (event: DomainEvent) =>
      RUN_END_EVENT_TYPES.includes(event.type)
        ? { ...event.data, receiptHash: receiptHashes.get(event.id) ?? null }
        : event.data;
    await tx.manager.query(
      `INSERT INTO webhook_messages (id, tenant_id, event_type, body, correlation_id, occurred_at,
                                     trace_context)
       SELECT * FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::text[], $5::varchar[],
                            $6::timestamptz[], $7::varchar[])
       ON CONFLICT (id) DO NOTHING`,
      [
        messages.map((event) => event.id),
        messages.map((event) => event.tenantId),
        messages.map((event) => event.type),
        messages.map((event) =>
          JSON.stringify({
            type: event.type,
            timestamp: event.occurredAt.toISOString(),
            data: dataOf(event),
          }),
        ),
        messages.map((event) => event.correlationId),
        messages.map((event) => event.occurredAt),
        messages.map((event) => event.traceContext ?? null),
      ],
    );
    // (TypeORM answers an INSERT ... RETURNING with its rows, an UPDATE with [rows, count].)
    const inserted: unknown[] = await tx.manager.query(
      `INSERT INTO webhook_deliveries
         (id, tenant_id, endpoint_id, message_id, event_type, max_attempts, next_attempt_at)
       SELECT r.id, r.tenant_id, r.endpoint_id, r.message_id, r.event_type, $6,
              now() + r.delay_ms * interval '1 millisecond'
         FROM unnest($1::uuid[], $2::varchar[], $3::uuid[], $4::uuid[], $5::varchar[], $7::bigint[])
              AS r(id, tenant_id, endpoint_id, message_id, event_type, delay_ms)
       ON CONFLICT ON CONSTRAINT webhook_deliveries_endpoint_message_key DO NOTHING
       RETURNING 1`,
      [
        pairs.map(() => uuidv7()),
        pairs.map(({ event }) => event.tenantId),
        pairs.map(({ endpointId }) => endpointId),
        pairs.map(({ event }) => event.id),
        pairs.map(({ event }) => event.type),
        schedule.length,
        pairs.map(({ event }) => schedule[0] + (held(event) ? receiptWaitMs : 0)),
      ],
    );
    if (inserted.length > 0) this.notifications.notifyAfterCommit(tx, DELIVERIES_CHANNEL, '');
    return inserted.length;
  }

  /**
   * Queues messages the caller wrote itself (not domain events: an A2A task's updates) for
   * endpoints, in the caller's transaction: each message to each of its endpoints, in the
   * order given. The deliveries carry ascending sequence numbers, so an ordered endpoint gets
   * them in that order, after whatever was queued for it before.
   */
  async enqueue(
    tx: Transaction,
    messages: Array<{
      tenantId: string;
      eventType: string;
      body: string;
      correlationId: string | null;
      endpointIds: string[];
    }>,
    schedule: readonly number[],
  ): Promise<number> {
    const rows = messages.map((message) => ({ ...message, id: uuidv7() }));
    const pairs = rows.flatMap((message) =>
      message.endpointIds.map((endpointId) => ({ endpointId, message })),
    );
    if (pairs.length === 0) return 0;
    await tx.manager.query(
      `INSERT INTO webhook_messages (id, tenant_id, event_type, body, correlation_id, occurred_at)
       SELECT id, tenant_id, event_type, body, correlation_id, now()
         FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::text[], $5::varchar[])
              AS m(id, tenant_id, event_type, body, correlation_id)`,
      [
        rows.map((m) => m.id),
        rows.map((m) => m.tenantId),
        rows.map((m) => m.eventType),
        rows.map((m) => m.body),
        rows.map((m) => m.correlationId),
      ],
    );
    // Sequence values rise across transactions; in this one, sorted, they follow `pairs`.
    const numbers: Array<{ n: string }> = await tx.manager.query(
      `SELECT nextval('webhook_deliveries_sequence_seq')::text AS n
         FROM generate_series(1, $1::int)`,
      [pairs.length],
    );
    const sequences = numbers.map((row) => BigInt(row.n)).sort((a, b) => (a < b ? -1 : 1));
    await tx.manager.query(
      `INSERT INTO webhook_deliveries
         (id, tenant_id, endpoint_id, message_id, event_type, max_attempts, next_attempt_at,
          sequence)
       SELECT r.id, r.tenant_id, r.endpoint_id, r.message_id, r.event_type, $6,
              now() + $7 * interval '1 millisecond', r.sequence
         FROM unnest($1::uuid[], $2::varchar[], $3::uuid[], $4::uuid[], $5::varchar[],
                     $8::bigint[]) AS r(id, tenant_id, endpoint_id, message_id, event_type, sequence)`,
      [
        pairs.map(() => uuidv7()),
        pairs.map(({ message }) => message.tenantId),
        pairs.map(({ endpointId }) => endpointId),
        pairs.map(({ message }) => message.id),
        pairs.map(({ message }) => message.eventType),
        schedule.length,
        schedule[0],
        sequences.map(String),
      ],
    );
    this.notifications.notifyAfterCommit(tx, DELIVERIES_CHANNEL, '');
    return pairs.length;
  }

  /**
   * Of these endpoints, those nothing more will be sent to now: disabled, or with every
   * delivery finished (succeeded or dead).
   */
  async settledEndpoints(
    tx: Transaction,
    endpointIds: string[],
  ): Promise<Array<{ id: string; url: string }>> {
    if (endpointIds.length === 0) return [];
    return tx.manager.query(
      `SELECT e.id, e.url FROM webhook_endpoints e
        WHERE e.id = ANY($1::uuid[])
          AND (NOT e.enabled OR NOT EXISTS (
                SELECT 1 FROM webhook_deliveries d
                 WHERE d.endpoint_id = e.id AND d.next_attempt_at IS NOT NULL))`,
      [endpointIds],
    );
  }

  /**
   * Takes the receipt lock of each run-end event (sorted: no deadlock with stampReceipts) and
   * reads the receipt hashes already known for them. Under the lock, whichever of the fan-out
   * and the stamping commits second sees what the first wrote: a delivery is never left waiting
   * for a receipt that has come.
   */
  private async knownReceiptHashes(
    tx: Transaction,
    eventIds: string[],
  ): Promise<Map<string, string>> {
    if (eventIds.length === 0) return new Map();
    await this.lockReceipts(tx, eventIds);
    const rows: Array<{ eventId: string; receiptHash: string }> = await tx.manager.query(
      `SELECT event_id AS "eventId", receipt_hash AS "receiptHash" FROM webhook_receipt_hashes
        WHERE event_id = ANY($1::uuid[])`,
      [eventIds],
    );
    return new Map(rows.map((row) => [row.eventId, row.receiptHash]));
  }

  private async lockReceipts(tx: Transaction, eventIds: string[]): Promise<void> {
    await tx.manager.query(
      `SELECT count(pg_advisory_xact_lock($1, hashtext(l.id::text)))
         FROM (SELECT DISTINCT id FROM unnest($2::uuid[]) AS u(id) ORDER BY id) l`,
      [RECEIPT_LOCK_SPACE, eventIds],
    );
  }

  /**
   * Records receipts issued for the runs that events finished, and stamps `receiptHash` into
   * those events' messages and sends them now, unless one of their deliveries was already
   * attempted or is being sent (the wait ran out: a message's body stays as first sent). The
   * deliveries are locked first, so a claim (SKIP LOCKED) cannot take one meanwhile.
   */
  async stampReceipts(tx: Transaction, receipts: IssuedReceipt[]): Promise<number> {
    if (receipts.length === 0) return 0;
    const eventIds = receipts.map((receipt) => receipt.eventId);
    await this.lockReceipts(tx, eventIds);
    await tx.manager.query(
      `INSERT INTO webhook_receipt_hashes (event_id, tenant_id, receipt_hash)
       SELECT * FROM unnest($1::uuid[], $2::varchar[], $3::char(64)[])
       ON CONFLICT (event_id) DO NOTHING`,
      [eventIds, receipts.map((r) => r.tenantId), receipts.map((r) => r.receiptHash)],
    );
    const unsent: Array<{ id: string; body: string }> = await tx.manager.query(
      `SELECT m.id, m.body FROM webhook_messages m
         JOIN (SELECT d.message_id,
                      bool_and(d.attempts = 0 AND (d.leased_until IS NULL OR d.leased_until <= now()))
                        AS fresh
                 FROM (SELECT message_id, attempts, leased_until FROM webhook_deliveries
                        WHERE message_id = ANY($1::uuid[]) ORDER BY id FOR UPDATE) d
                GROUP BY d.message_id) s ON s.message_id = m.id
        WHERE s.fresh`,
      [eventIds],
    );
    const hashes = new Map(receipts.map((r) => [r.eventId, r.receiptHash]));
    const stamped = unsent.flatMap((message) => {
      const body = JSON.parse(message.body) as { data?: Record<string, unknown> };
      const receiptHash = hashes.get(message.id);
      if (!body.data || !receiptHash || body.data.receiptHash === receiptHash) return [];
      body.data = { ...body.data, receiptHash };
      return [{ id: message.id, body: JSON.stringify(body) }];
    });
    if (stamped.length === 0) return 0;
    await tx.manager.query(
      `UPDATE webhook_messages m SET body = s.body
         FROM unnest($1::uuid[], $2::text[]) AS s(id, body) WHERE m.id = s.id`,
      [stamped.map((m) => m.id), stamped.map((m) => m.body)],
    );
    await tx.manager.query(
      `UPDATE webhook_deliveries SET next_attempt_at = now()
        WHERE message_id = ANY($1::uuid[]) AND attempts = 0 AND next_attempt_at > now()`,
      [stamped.map((m) => m.id)],
    );
    this.notifications.notifyAfterCommit(tx, DELIVERIES_CHANNEL, '');
    return stamped.length;
  }

  /**
   * Takes due deliveries with a lease: per enabled endpoint whose breaker is not open, at most
   * `perEndpoint`, so one slow endpoint's backlog never fills a batch; one for an endpoint whose
   * last attempt failed (a probe), and none while a half-open breaker's probe is out. SKIP
   * LOCKED lets N replicas claim side by side; the lease makes a crashed sender's deliveries
   * due again.
   */
  async claim(limits: ClaimLimits): Promise<ClaimedDelivery[]> {
    const rows = await preparedQuery<
      ClaimedDelivery & { secret: string; previousSecret: string | null; olderSecrets: string[] }
    >(
      this.dataSource,
      `WITH picked AS (
           SELECT p.id FROM webhook_endpoints e
           CROSS JOIN LATERAL (
             SELECT d.id FROM webhook_deliveries d
              WHERE d.endpoint_id = e.id AND d.next_attempt_at <= now()
                AND (d.leased_until IS NULL OR d.leased_until <= now())
                -- An ordered endpoint's deliveries go one at a time, lowest sequence first:
                -- none while an earlier one is unfinished (due, retrying or being sent).
                AND (d.sequence IS NULL OR NOT EXISTS (
                      SELECT 1 FROM webhook_deliveries o
                       WHERE o.endpoint_id = e.id AND o.next_attempt_at IS NOT NULL
                         AND o.sequence < d.sequence))
              ORDER BY d.next_attempt_at
              LIMIT CASE WHEN e.consecutive_failures > 0 OR e.kind = 'a2a_push' THEN 1 ELSE $2 END
              FOR UPDATE OF d SKIP LOCKED) p
           WHERE e.enabled AND (e.breaker_open_until IS NULL OR e.breaker_open_until <= now())
             AND NOT (e.id = ANY($1::uuid[]))
             -- Half-open: one probe at a time, none while one is out.
             AND (e.consecutive_failures < $5 OR NOT EXISTS (
                   SELECT 1 FROM webhook_deliveries l
                    WHERE l.endpoint_id = e.id AND l.next_attempt_at IS NOT NULL
                      AND l.leased_until > now()))
           LIMIT $3)
         UPDATE webhook_deliveries d SET leased_until = now() + $4 * interval '1 millisecond'
           FROM picked, webhook_endpoints e, webhook_messages m
          WHERE d.id = picked.id AND e.id = d.endpoint_id AND m.id = d.message_id
         RETURNING d.id, d.tenant_id AS "tenantId", d.endpoint_id AS "endpointId", e.url,
                   e.secret, CASE WHEN e.previous_secret_expires_at > now() THEN e.previous_secret END
                     AS "previousSecret",
                   ${liveOlderSecretsSql('e')} AS "olderSecrets",
                   d.message_id AS "messageId", m.event_type AS "eventType", m.body,
                   m.correlation_id AS "correlationId", m.trace_context AS "traceContext",
                   e.headers,
                   m.occurred_at AS "occurredAt",
                   d.attempts, d.max_attempts AS "maxAttempts", d.leased_until::text AS "leasedUntil"`,
      [
        limits.busyEndpoints,
        limits.perEndpoint,
        limits.total,
        limits.leaseMs,
        limits.breakerThreshold,
      ],
    );
    return rows.map(({ secret, previousSecret, olderSecrets, ...row }) => ({
      ...row,
      secrets: [secret, ...(previousSecret ? [previousSecret] : []), ...olderSecrets],
    }));
  }

  /**
   * Stores a batch of attempts and their outcomes, and the endpoints' failure counts and
   * breakers, in two statements. Returns the endpoints to disable: answered 410, or failing
   * past `disableAfterMs`.
   */
  async record(
    tx: Transaction,
    records: AttemptRecord[],
    breaker: { threshold: number; cooldownMs: number; disableAfterMs: number },
  ): Promise<Array<{ endpointId: string; reason: 'gone' | 'failing' }>> {
    const status = (outcome: AttemptOutcome) =>
      outcome.kind === 'succeeded' ? 'succeeded' : outcome.kind === 'retry' ? 'failed' : 'dead';
    // The endpoints first, locked by id: the order recover and delete use (an endpoint, then
    // its deliveries; the other order deadlocks with them). The lock returns each row as last
    // committed, which the new failure count builds on. FOR NO KEY UPDATE, not FOR UPDATE: the
    // fan-out's INSERT into deliveries takes FOR KEY SHARE on the same endpoints (the foreign
    // key) in its own order, which FOR UPDATE conflicts with (a deadlock) and this does not.
    // Every attempt counts towards its endpoint's health, even one whose delivery has moved on
    // (below): the endpoint did answer.
    const health = endpointHealth(records).filter((h) => h.failures > 0 || h.reset);
    const endpoints = await preparedQuery<{ id: string; expired: boolean }>(
      tx,
      `WITH locked AS (
         SELECT id, consecutive_failures, failing_since, breaker_open_until FROM webhook_endpoints
          WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE),
       next AS (
         SELECT l.*,
                CASE WHEN r.reset THEN r.failures ELSE l.consecutive_failures + r.failures END AS count,
                CASE WHEN r.failures = 0 THEN NULL WHEN r.reset THEN r.first_failure
                     ELSE coalesce(l.failing_since, r.first_failure) END AS since
           FROM locked l
           JOIN unnest($2::uuid[], $3::int[], $4::boolean[], $5::timestamptz[])
                AS r(id, failures, reset, first_failure) ON r.id = l.id)
       UPDATE webhook_endpoints e
          SET consecutive_failures = n.count, failing_since = n.since,
              breaker_open_until = CASE WHEN n.count >= $6
                                        THEN now() + $7 * interval '1 millisecond' END,
              updated_at = now()
         FROM next n
        WHERE e.id = n.id
          AND (n.count > 0 OR n.consecutive_failures > 0 OR n.failing_since IS NOT NULL
               OR n.breaker_open_until IS NOT NULL)
        RETURNING e.id, (e.enabled AND n.since <= now() - $8 * interval '1 millisecond') AS expired`,
      [
        [...new Set(records.map((r) => r.delivery.endpointId))],
        health.map((h) => h.id),
        health.map((h) => h.failures),
        health.map((h) => h.reset),
        health.map((h) => h.firstFailure),
        breaker.threshold,
        breaker.cooldownMs,
        breaker.disableAfterMs,
      ],
    );
    // Then the deliveries and their attempts: one deleted meanwhile (its endpoint went) is
    // skipped rather than failing the whole batch on the attempts' foreign key; one whose lease
    // expired and was claimed again (or requeued) belongs to its new holder, and this late
    // outcome is dropped.
    await preparedQuery(
      tx,
      `WITH kept AS (
         UPDATE webhook_deliveries d
            SET attempts = d.attempts + 1, status = r.status, leased_until = NULL,
                next_attempt_at = CASE WHEN r.delay_ms IS NULL THEN NULL
                                       ELSE now() + r.delay_ms * interval '1 millisecond' END,
                last_status_code = r.code, last_error = r.error, updated_at = now(),
                succeeded_at = CASE WHEN r.status = 'succeeded' THEN now() ELSE d.succeeded_at END
           FROM unnest($1::uuid[], $2::varchar[], $3::bigint[], $4::int[], $5::varchar[],
                       $6::timestamptz[])
                AS r(id, status, delay_ms, code, error, leased_until)
          WHERE d.id = r.id AND d.leased_until = r.leased_until
          RETURNING d.id)
       INSERT INTO webhook_attempts
         (id, delivery_id, attempted_at, status_code, duration_ms, response_body, error)
       SELECT a.* FROM unnest($7::uuid[], $1::uuid[], $8::timestamptz[], $4::int[], $9::int[],
                              $10::text[], $11::varchar[])
                  AS a(id, delivery_id, attempted_at, status_code, duration_ms, response_body, error)
        WHERE a.delivery_id IN (SELECT id FROM kept)`,
      [
        records.map((r) => r.delivery.id),
        records.map((r) => status(r.outcome)),
        records.map((r) => (r.outcome.kind === 'retry' ? r.outcome.delayMs : null)),
        records.map((r) => r.statusCode),
        records.map((r) =>
          r.outcome.kind === 'gone' ? 'Endpoint answered 410 Gone: disabled' : r.error,
        ),
        records.map((r) => r.delivery.leasedUntil),
        records.map(() => uuidv7()),
        records.map((r) => r.attemptedAt),
        records.map((r) => r.durationMs),
        records.map((r) => r.responseBody),
        records.map((r) => r.error),
      ],
    );
    const disable: Array<{ endpointId: string; reason: 'gone' | 'failing' }> = endpoints
      .filter((row) => row.expired)
      .map((row) => ({ endpointId: row.id, reason: 'failing' }));
    for (const r of records) {
      if (r.outcome.kind === 'gone' && !disable.some((d) => d.endpointId === r.delivery.endpointId))
        disable.push({ endpointId: r.delivery.endpointId, reason: 'gone' });
    }
    return disable;
  }

  /** Frees leases without an attempt (shutdown before sending): due again at once. */
  async release(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource.query(
      `UPDATE webhook_deliveries SET leased_until = NULL WHERE id = ANY($1::uuid[])`,
      [ids],
    );
  }
}

/** Per endpoint, in the order attempts finished: failures after the last success. */
function endpointHealth(records: AttemptRecord[]): EndpointHealth[] {
  const byEndpoint = new Map<string, EndpointHealth>();
  const ordered = [...records].sort((a, b) => a.attemptedAt.getTime() - b.attemptedAt.getTime());
  for (const record of ordered) {
    const id = record.delivery.endpointId;
    const health = byEndpoint.get(id) ?? { id, failures: 0, reset: false, firstFailure: null };
    byEndpoint.set(id, health);
    if (record.outcome.kind === 'succeeded') {
      Object.assign(health, { failures: 0, reset: true, firstFailure: null });
    } else if (record.outcome.kind !== 'gone') {
      health.failures += 1;
      health.firstFailure ??= record.attemptedAt;
    }
  }
  return [...byEndpoint.values()];
}
