import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { PoolClient, QueryResult } from 'pg';
import { Counter, register } from 'prom-client';
import type { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import { requestContext } from '../common/context/request-context';
import { SpanKind } from '@opentelemetry/api';
import { uuidv7 } from '../common/ids';
import { linksTo, tracingState, withSpan } from '../common/tracing/trace-context';
import { WakeLoop } from '../common/workers/wake-loop';
import type { AppConfig } from '../config/config';
import { InjectConfig } from '../config/config.module';
import { isDatabaseUnavailable, isTransactionGivenUp } from '../database/database-errors';
import { PgNotifications } from '../database/pg-notifications';
import { Transaction, UnitOfWork } from '../database/unit-of-work';
import { ShutdownState } from '../health/shutdown-state';
import { DomainEvent, eventTypeMatches } from './domain-event';
import {
  EVENT_COLUMNS,
  EVENTS_CHANNEL,
  EventRow,
  eventFromRow,
  MAX_DISPATCH_ATTEMPTS,
} from './events.service';

/**
 * A reaction to domain events (webhook fan-out, workflow triggers, leaderboard counts). It runs
 * in the dispatcher's transaction: what it writes commits together with the event being marked
 * dispatched, so an event is handled once, or again after a crash (handlers must tolerate that).
 */
export interface EventHandler {
  /** Names the handler in logs. */
  name: string;
  /** Patterns as in `eventTypeMatches`. */
  types: readonly string[];
  handle(tx: Transaction, events: DomainEvent[]): Promise<void>;
}

const BATCH = 200;
const POLL_EVERY_MS = 1_000;
const MAX_DEFERRAL_SECONDS = 300;
const MAX_DEFERRALS_REMEMBERED = 10_000;
/**
 * While events keep coming a few at a time, rounds start at least this far apart, so a busy
 * service pays one dispatch transaction per gap, not one per commit; an event after a quiet
 * spell goes at once, and so does the next batch of a backlog.
 */
export const DISPATCH_ROUND_GAP_MS = 100;

function counter(name: string, help: string, labelNames: string[] = []): Counter {
  return (
    (register.getSingleMetric(name) as Counter | undefined) ??
    new Counter({ name, help, labelNames })
  );
}

/** Runs `work` as the system, carrying the event's tenant and correlation id (audit, logs). */
export function inEventContext<T>(event: DomainEvent, work: () => T): T {
  return requestContext.run(
    {
      correlationId: event.correlationId ?? event.id,
      tenantId: event.tenantId ?? undefined,
      actor: { type: 'system', id: 'agentmesh' },
    },
    work,
  );
}

/**
 * Hands committed events to the subscribed handlers. Every replica with WORKERS=on takes
 * batches with FOR UPDATE SKIP LOCKED, so N replicas share the outbox without handing one event
 * out twice. Woken by NOTIFY on commit; polls every second in case a notification was missed.
 * An event whose handler keeps failing is retried with backoff, then set aside after
 * MAX_DISPATCH_ATTEMPTS with its error stored, so it cannot block the events behind it; one the
 * database gives up on (timeout, lock wait, deadlock) is backed off the same way without using
 * attempts.
 */
@Injectable()
export class EventDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EventDispatcher.name);
  private readonly handlers: EventHandler[] = [];
  private readonly dispatched = counter(
    'events_dispatched_total',
    'Domain events handed to their handlers',
  );
  private readonly failures = counter(
    'events_dispatch_failures_total',
    'Domain event dispatch attempts that failed, by outcome (retry, abandoned, or deferred)',
    ['outcome'],
  );
  /** Events this replica deferred, and how often: the exponent of their backoff. */
  private readonly deferrals = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** When the last round that found events, fewer than a batch, began (performance.now()). */
  private lastBatchAt = Number.NEGATIVE_INFINITY;
  private readonly loop = new WakeLoop({
    round: () => this.round(),
    canRun: () => !this.stopped && !this.shutdown.isShuttingDown,
    // The database is away, most likely: the next poll tries again; say so once.
    onFailure: (error) => this.logger.warn(`Event dispatch failed: ${error.message}`),
  });

  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly notifications: PgNotifications,
    private readonly shutdown: ShutdownState,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /** Called by modules in `onModuleInit`; every handler sees every matching event. */
  subscribe(handler: EventHandler): void {
    this.handlers.push(handler);
  }

  onApplicationBootstrap(): void {
    if (!this.config.workers) return;
    this.notifications.subscribe(EVENTS_CHANNEL, () => this.wake(), { drains: true });
    this.notifications.onReconnect(() => this.wake());
    this.timer = setInterval(() => this.wake(), POLL_EVERY_MS);
    this.timer.unref();
    this.wake();
  }

  /** Starts a drain, or asks the running one to go round once more. */
  wake(): void {
    this.loop.wake();
  }

  /**
   * One batch (or, after a failed batch, the events one by one); true when more may wait. Paced:
   * a round follows one that found some events, fewer than a batch, no sooner than
   * DISPATCH_ROUND_GAP_MS after it began (what commits meanwhile joins the next batch). After a
   * round that found none, or a full batch (a backlog: the next one is full already, and a pause
   * would cap the outbox at one batch per gap), at once.
   */
  private async round(): Promise<boolean> {
    const wait = this.lastBatchAt + DISPATCH_ROUND_GAP_MS - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (this.stopped) return false;
    const startedAt = performance.now();
    this.lastBatchAt = Number.NEGATIVE_INFINITY;
    let count: number;
    try {
      count = await this.dispatchBatch();
    } catch (error) {
      this.logger.warn(`Event batch failed (${(error as Error).message}); one at a time`);
      count = await this.dispatchOneByOne();
    }
    if (count > 0 && count < BATCH) this.lastBatchAt = startedAt;
    return count >= BATCH;
  }

  private dispatchBatch(): Promise<number> {
    return this.inDispatchContext(() =>
      this.unitOfWork.run(async (tx) => {
        const events = await this.take(tx, BATCH);
        if (events.length === 0) return 0;
        await this.dispatchTaken(tx, events);
        return events.length;
      }),
    );
  }

  private async dispatchOneByOne(): Promise<number> {
    let count = 0;
    for (;;) {
      if (this.stopped) return count;
      let current: DomainEvent | undefined;
      let failure: { error: Error; deferred: boolean } | undefined;
      const taken = await this.inDispatchContext(() =>
        this.unitOfWork
          .run(async (tx) => {
            const events = await this.take(tx, 1);
            if (events.length === 0) return 0;
            current = events[0];
            await this.dispatchTaken(tx, events);
            return 1;
          })
          .catch((error: Error) => {
            // The database being away is nobody's fault: stop here, the next poll retries.
            // A timeout, lock wait or deadlock is not the event's fault either, but it may
            // come back every time for this event: it is deferred, its attempts untouched, so
            // the events behind it go on. Anything else (a handler, or writing what the
            // handlers buffered) is this event's.
            const givenUp = isTransactionGivenUp(error);
            if (!current || (isDatabaseUnavailable(error) && !givenUp)) throw error;
            failure = { error, deferred: givenUp };
            return 1;
          }),
      );
      if (taken === 0) return count;
      count += 1;
      if (current && failure) {
        if (failure.deferred) await this.defer(current, failure.error);
        else await this.recordFailure(current, failure.error);
      }
    }
  }

  /**
   * The take reads the outbox's primary key in position order, stops after `limit` rows, and
   * reads each taken event by its id. PostgreSQL estimates how many events wait from
   * statistics taken while few did (a busy outbox keeps up), so in a burst it would rather read
   * every waiting event and sort them, on every round. Sorting is ruled out for the take alone
   * (`SET LOCAL`, reset after it), which leaves the ordered index scan. An entry whose event
   * is gone (deleted by hand: retention never deletes one in the outbox) is taken out.
   */
  static readonly TAKE_PLANNER_SETTING = `SET LOCAL enable_sort = off`;

  static readonly TAKE_SQL = `SELECT o.position::text AS "outboxPosition", ${EVENT_COLUMNS}
          FROM event_outbox o
          LEFT JOIN events e ON e.id = o.event_id
        WHERE o.next_dispatch_at IS NULL OR o.next_dispatch_at <= now()
        ORDER BY o.position
        LIMIT $1
        FOR UPDATE OF o SKIP LOCKED`;

  /** The setting, the take and the reset, as one simple-protocol round trip. */
  private async take(tx: Transaction, limit: number): Promise<DomainEvent[]> {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`take limit ${limit}`);
    const client = (await (tx.manager.queryRunner as PostgresQueryRunner).connect()) as PoolClient;
    const results = (await client.query(
      `${EventDispatcher.TAKE_PLANNER_SETTING}; ` +
        `${EventDispatcher.TAKE_SQL.replace('$1', String(limit))}; RESET enable_sort`,
    )) as unknown as Array<QueryResult<EventRow & { outboxPosition: string }>>;
    const rows = results[1].rows;
    const gone = rows.filter((row) => row.id === null).map((row) => row.outboxPosition);
    if (gone.length > 0) await this.leaveOutbox(tx, gone);
    return rows.filter((row) => row.id !== null).map(eventFromRow);
  }

  /**
   * Hands taken events to their handlers and marks them dispatched, in an `outbox.dispatch`
   * span linked to the spans that emitted them (a run's trace, a request's).
   */
  private dispatchTaken(tx: Transaction, events: DomainEvent[]): Promise<void> {
    return withSpan(
      'outbox.dispatch',
      {
        kind: SpanKind.CONSUMER,
        parent: null,
        links: tracingState.enabled ? linksTo(events.map((event) => event.traceContext)) : [],
        attributes: {
          'messaging.system': 'agentmesh.outbox',
          'messaging.operation.type': 'process',
          'messaging.batch.message_count': events.length,
        },
      },
      async () => {
        await this.handle(tx, events);
        await this.markDispatched(tx, events);
      },
    );
  }

  private async handle(tx: Transaction, events: DomainEvent[]): Promise<void> {
    for (const handler of this.handlers) {
      const matching = events.filter((event) =>
        handler.types.some((pattern) => eventTypeMatches(pattern, event.type)),
      );
      if (matching.length === 0) continue;
      try {
        await handler.handle(tx, matching);
      } catch (error) {
        (error as Error).message = `${handler.name}: ${(error as Error).message}`;
        throw error;
      }
    }
  }

  /** Takes the entries at these positions out of the outbox. */
  private async leaveOutbox(tx: Transaction, positions: string[]): Promise<void> {
    await tx.manager.query(`DELETE FROM event_outbox WHERE position = ANY($1::bigint[])`, [
      positions,
    ]);
  }

  private async markDispatched(tx: Transaction, events: DomainEvent[]): Promise<void> {
    await this.leaveOutbox(
      tx,
      events.map((event) => event.position),
    );
    this.dispatched.inc(events.length);
    if (this.deferrals.size > 0) {
      tx.afterCommit(() => events.forEach((event) => this.deferrals.delete(event.id)));
    }
  }

  /**
   * Backs the event off (2^n seconds, ±20%, at most 5 minutes) without counting an attempt: its
   * handlers did not fail, the database gave up on them. Every replica skips it until then. The
   * exponent is this replica's count of deferrals (the table keeps attempts only), so it grows
   * more slowly when replicas take turns; the cap bounds it either way.
   */
  private async defer(event: DomainEvent, error: Error): Promise<void> {
    const deferrals = (this.deferrals.get(event.id) ?? 0) + 1;
    if (this.deferrals.size >= MAX_DEFERRALS_REMEMBERED) this.deferrals.clear();
    this.deferrals.set(event.id, deferrals);
    const seconds = Math.min(2 ** (deferrals - 1), MAX_DEFERRAL_SECONDS);
    const delayMs = Math.round(seconds * 1000 * (0.8 + 0.4 * Math.random()));
    await this.unitOfWork.run((tx) =>
      tx.manager.query(
        `WITH deferred AS (
           UPDATE event_outbox SET next_dispatch_at = now() + $3 * interval '1 millisecond'
            WHERE position = $2
           RETURNING event_id)
         UPDATE events SET dispatch_error = left($4, 2000)
          WHERE id = $1 AND id IN (SELECT event_id FROM deferred)`,
        [event.id, event.position, delayMs, error.message],
      ),
    );
    this.failures.inc({ outcome: 'deferred' });
    this.logger.warn(
      { eventId: event.id, type: event.type, deferrals, delayMs, err: error },
      "The database gave up on a domain event's handlers; deferred without counting an attempt",
    );
  }

  /**
   * Counts the failure and keeps its message on the event, and backs the event off (2^n
   * seconds, at most 5 minutes) or, after MAX_DISPATCH_ATTEMPTS, sets it aside for good: out of
   * the outbox, its attempts and last error kept on its row.
   */
  private async recordFailure(event: DomainEvent, error: Error): Promise<void> {
    const rows = await this.unitOfWork.run((tx) =>
      tx.manager.query<Array<{ attempts: number }>>(
        `WITH failed AS (
           UPDATE events
              SET dispatch_attempts = dispatch_attempts + 1, dispatch_error = left($3, 2000)
            WHERE id = $1 AND id IN (SELECT event_id FROM event_outbox WHERE position = $2)
           RETURNING dispatch_attempts AS attempts),
         backed_off AS (
           UPDATE event_outbox
              SET next_dispatch_at =
                    now() + least(power(2, f.attempts - 1), 300) * interval '1 second'
             FROM failed f
            WHERE position = $2 AND f.attempts < $4),
         set_aside AS (
           DELETE FROM event_outbox USING failed f WHERE position = $2 AND f.attempts >= $4)
         SELECT attempts FROM failed`,
        [event.id, event.position, error.message, MAX_DISPATCH_ATTEMPTS],
      ),
    );
    const attempts = rows[0]?.attempts ?? 0;
    const abandoned = attempts >= MAX_DISPATCH_ATTEMPTS;
    this.failures.inc({ outcome: abandoned ? 'abandoned' : 'retry' });
    this.logger[abandoned ? 'error' : 'warn'](
      { eventId: event.id, type: event.type, attempts, err: error },
      abandoned
        ? 'Domain event abandoned after repeated handler failures'
        : 'Domain event handler failed; will retry',
    );
  }

  private inDispatchContext<T>(work: () => Promise<T>): Promise<T> {
    return requestContext.run(
      { correlationId: `dispatch-${uuidv7()}`, actor: { type: 'system', id: 'agentmesh' } },
      work,
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.loop.idle();
  }
}
