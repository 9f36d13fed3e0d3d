import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { requestContext } from '../common/context/request-context';
import { uuidv7 } from '../common/ids';
import { currentTraceparent } from '../common/tracing/trace-context';
import { decodeCursor, Page, toPage } from '../common/pagination';
import { HistoryPartitions } from '../database/partitions/history-partitions';
import { PgNotifications } from '../database/pg-notifications';
import { preparedQuery } from '../database/prepared';
import { Transaction } from '../database/unit-of-work';
import { DomainEvent, EmitInput } from './domain-event';

/**
 * Failures after which an event's dispatch is given up: it leaves the outbox, its attempts and
 * last error kept on its row until an operator dispatches it again; retention keeps it.
 */
export const MAX_DISPATCH_ATTEMPTS = 10;

/** NOTIFY channel the dispatcher listens on; one notification per committing transaction. */
export const EVENTS_CHANNEL = 'agentmesh_events';

export interface EventRow {
  id: string;
  position: string;
  tenantId: string | null;
  type: string;
  occurredAt: Date;
  subjectType: string;
  subjectId: string;
  data: Record<string, unknown>;
  correlationId: string | null;
  traceContext?: string | null;
}

export const EVENT_COLUMNS = `e.id, e.position::text AS position, e.tenant_id AS "tenantId", e.type,
  e.occurred_at AS "occurredAt", e.subject_type AS "subjectType", e.subject_id AS "subjectId",
  e.data, e.correlation_id AS "correlationId", e.trace_context AS "traceContext"`;

export function eventFromRow(row: EventRow): DomainEvent {
  return {
    id: row.id,
    position: row.position,
    tenantId: row.tenantId,
    type: row.type,
    occurredAt: row.occurredAt,
    subject: { type: row.subjectType, id: row.subjectId },
    data: row.data,
    correlationId: row.correlationId,
    traceContext: row.traceContext ?? null,
  };
}

/**
 * The outbox. `emit` writes the event in the caller's transaction, so an event exists exactly
 * when its change committed; the dispatcher then hands it to every subscribed handler.
 */
@Injectable()
export class EventsService {
  /** Events emitted in a transaction and not yet written (see `emit`). */
  private readonly pending = new WeakMap<Transaction, unknown[][]>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly notifications: PgNotifications,
    private readonly partitions: HistoryPartitions,
  ) {}

  /**
   * Writes the event in the caller's transaction: buffered with the context of the moment and
   * inserted just before COMMIT, all of the transaction's events in one statement, in order.
   */
  async emit(tx: Transaction, input: EmitInput): Promise<void> {
    const context = requestContext.get();
    const tenantId = input.tenantId === undefined ? (context?.tenantId ?? null) : input.tenantId;
    let pending = this.pending.get(tx);
    if (!pending) {
      pending = [];
      this.pending.set(tx, pending);
      tx.beforeCommit(() => this.flush(tx));
      this.notifications.notifyAfterCommit(tx, EVENTS_CHANNEL, '');
    }
    pending.push([
      uuidv7(),
      tenantId,
      input.type,
      input.subject.type,
      input.subject.id,
      JSON.stringify(input.data),
      context?.correlationId ?? null,
      currentTraceparent(),
      input.outputOfRun ?? null,
    ]);
  }

  /**
   * Wakes the dispatcher for events a single statement wrote and committed on its own, outside
   * any unit of work (the one-statement task claim).
   */
  committedAlone(): void {
    this.notifications.signal(EVENTS_CHANNEL, '');
  }

  /**
   * Wakes the dispatcher once `tx` commits, for events a statement of the caller's own wrote in
   * it (the timer's one-statement wake) rather than `emit`.
   */
  writtenIn(tx: Transaction): void {
    this.notifications.notifyAfterCommit(tx, EVENTS_CHANNEL, '');
  }

  /**
   * Writes the events buffered so far in `tx` now (one statement), for a caller about to write
   * events of its own in a statement that follow them (the tasks a signal or a decision wakes):
   * an event's position is taken when it is inserted, and history and streams read in that
   * order. Events emitted after this are buffered again.
   */
  async writeNow(tx: Transaction): Promise<void> {
    const rows = this.pending.get(tx) ?? [];
    if (rows.length === 0) return;
    this.pending.set(tx, []);
    const statement = insertEvents(rows);
    await preparedQuery(tx, statement.sql, statement.params);
  }

  /** Hands the buffered rows to the unit of work, which writes them with the others. */
  private async flush(tx: Transaction): Promise<void> {
    const rows = this.pending.get(tx) ?? [];
    this.pending.delete(tx);
    if (rows.length === 0) return;
    const statement = insertEvents(rows);
    tx.writeBeforeCommit(statement.sql, statement.params);
  }

  /** A subject's history, oldest first, keyset-paginated on insert order. */
  async history(
    tenantId: string,
    subject: { type: string; id: string },
    limit: number,
    cursor?: string,
  ): Promise<Page<DomainEvent>> {
    const after = decodeCursor(cursor, [/^\d{1,19}$/]);
    const rows = await this.dataSource.query<EventRow[]>(
      `SELECT ${EVENT_COLUMNS} FROM events e
        WHERE e.tenant_id = $1 AND e.subject_type = $2 AND e.subject_id = $3
          AND ($4::bigint IS NULL OR e.position > $4::bigint)
        ORDER BY e.position LIMIT $5`,
      [tenantId, subject.type, subject.id, after ? after[0] : null, limit + 1],
    );
    return toPage(rows.map(eventFromRow), limit, (event) => [event.position]);
  }

  /** The `task.*` events of one task of a run, oldest first (a task's few attempts). */
  async ofTask(tenantId: string, runId: string, taskId: string): Promise<DomainEvent[]> {
    const rows = await this.dataSource.query<EventRow[]>(
      `SELECT ${EVENT_COLUMNS} FROM events e
        WHERE e.tenant_id = $1 AND e.subject_type = 'workflow' AND e.subject_id = $2
          AND e.type LIKE 'task.%' AND e.data->>'taskId' = $3
        ORDER BY e.position`,
      [tenantId, runId, taskId],
    );
    return rows.map(eventFromRow);
  }

  /**
   * Retention, first step: drops the partitions wholly older than `olderThan` that hold no
   * event still kept (in the outbox, set aside after MAX_DISPATCH_ATTEMPTS failures, or a
   * run's history). Returns their names.
   */
  dropExpiredPartitions(olderThan: Date): Promise<string[]> {
    return this.partitions.dropExpired(
      'events',
      olderThan,
      `x.subject_type = 'workflow' OR x.dispatch_attempts >= ${MAX_DISPATCH_ATTEMPTS}
         OR x.id IN (SELECT o.event_id FROM event_outbox o)`,
    );
  }

  /**
   * Retention, second step: deletes up to `batchSize` events older than `olderThan` that are
   * dispatched (out of the outbox, not set aside), oldest first, skipping rows another
   * transaction holds, among the partitions wholly past it that could not be dropped (and the
   * default one); the others wait to be dropped whole. Returns how many went; call again until fewer.
   * A workflow run's events are its history (`GET /workflows/{id}/events`): they stay.
   */
  async purgeDispatched(olderThan: Date, batchSize: number): Promise<number> {
    const below = await this.partitions.expiredBelow('events', olderThan);
    if (!below) return 0;
    const [, count]: [unknown, number] = await this.dataSource.query(
      `DELETE FROM events WHERE id IN (
         SELECT e.id FROM events e
          WHERE e.id < $2::uuid AND e.subject_type <> 'workflow'
            AND e.dispatch_attempts < ${MAX_DISPATCH_ATTEMPTS}
            AND NOT EXISTS (SELECT 1 FROM event_outbox o WHERE o.event_id = e.id)
          ORDER BY e.id LIMIT $1 FOR UPDATE SKIP LOCKED)`,
      [batchSize, below],
    );
    return count;
  }
}

/**
 * One INSERT of buffered event rows, in the order they were emitted; a row naming a run (the
 * ninth column, `outputOfRun`) gets the run's output in its data.
 */
function insertEvents(rows: unknown[][]): { sql: string; params: unknown[] } {
  const column = (index: number) => rows.map((row) => row[index]);
  return {
    sql: `INSERT INTO events (id, tenant_id, type, subject_type, subject_id, data, correlation_id,
                           trace_context)
       SELECT id, tenant_id, type, subject_type, subject_id,
              CASE WHEN output_of IS NULL THEN data::jsonb
                   -- jsonb_set: a pass over the output fewer than || jsonb_build_object(...).
                   ELSE jsonb_set(data::jsonb, '{output}', workflow_run_output(output_of))
              END,
              correlation_id, trace_context
         FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[],
                     $6::text[], $7::varchar[], $8::varchar[], $9::uuid[]) WITH ORDINALITY
              AS e(id, tenant_id, type, subject_type, subject_id, data, correlation_id,
                   trace_context, output_of, n)
        ORDER BY n`,
    params: Array.from({ length: 9 }, (_, index) => column(index)),
  };
}
