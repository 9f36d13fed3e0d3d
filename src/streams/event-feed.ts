import { AsyncResource } from 'node:async_hooks';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { WakeLoop } from '../common/workers/wake-loop';
import type { AppConfig } from '../config/config';
import { InjectConfig } from '../config/config.module';
import { PgNotifications } from '../database/pg-notifications';
import { DomainEvent } from '../events/domain-event';
import { EVENT_COLUMNS, EVENTS_CHANNEL, EventRow, eventFromRow } from '../events/events.service';
import { FEED_READ_SQL, FEED_START_SQL, Horizon } from './horizon';

/** A live stream once it has caught up: the feed hands it every settled event of its tenant. */
export interface FeedListener {
  tenantId: string;
  deliver(events: DomainEvent[]): void;
}

const BATCH = 1_000;
/** A round stopped at a gap (a commit in flight, most likely) looks again this soon. */
const GAP_RECHECK_MS = 15;

/**
 * The replica's one reader of the outbox for live streams. Every open stream shares it: a
 * commit wake-up (the outbox's NOTIFY, at once for this replica's own commits) costs one query
 * for all of them, and while streams are open it also reads every STREAM_POLL_MS, for commits
 * on replicas whose own workers took their wake-up.
 *
 * It hands events on in position order and only up to the settled horizon (see `Horizon`), so
 * an event that commits after a later position is never skipped: a stream's last position is
 * always a correct place to resume from, on any replica.
 */
@Injectable()
export class EventFeed implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EventFeed.name);
  private readonly live = new Set<FeedListener>();
  /** Streams open on this replica, catching up or live: the feed reads only while there are. */
  private users = 0;
  private horizon = new Horizon();
  private waiting: Array<() => void> = [];
  private poll: NodeJS.Timeout | undefined;
  private recheck: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Shared reads of the outbox so far (for tests and metrics). */
  reads = 0;
  private readonly loop = new WakeLoop({
    round: () => this.round(),
    canRun: () => !this.stopped && this.users > 0,
    onFailure: (error) =>
      this.logger.warn(`Reading the outbox for streams failed: ${error.message}`),
  });

  constructor(
    private readonly dataSource: DataSource,
    private readonly notifications: PgNotifications,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.notifications.subscribe(EVENTS_CHANNEL, () => this.loop.wake());
    this.notifications.onReconnect(() => this.loop.wake());
  }

  /** A stream opens: the feed starts reading (if it was idle) until the last one closes. */
  open(): () => void {
    this.users += 1;
    if (this.users === 1) {
      this.poll = setInterval(() => this.loop.wake(), this.config.streamPollMs);
      this.poll.unref();
    }
    this.loop.wake();
    let closed = false;
    return () => {
      if (closed) return;
      closed = true;
      this.users -= 1;
      if (this.users > 0) return;
      // Idle: what it knew goes stale; the next stream starts it afresh.
      clearInterval(this.poll);
      this.poll = undefined;
      this.horizon = new Horizon();
    };
  }

  /** The settled horizon, once the feed knows one: every position up to it is final. */
  async settled(): Promise<bigint> {
    while (this.horizon.position === undefined) {
      if (this.stopped) throw new Error('the service is stopping');
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    return this.horizon.position;
  }

  /** The horizon now (synchronously): a stream that has read up to it may go live. */
  get position(): bigint | undefined {
    return this.horizon.position;
  }

  /**
   * From now on `listener` gets every settled event after the current horizon, in the async
   * context it listened from (its stream's request: its tenant, its logger), not in the feed's.
   */
  listen(listener: FeedListener): () => void {
    const bound: FeedListener = {
      tenantId: listener.tenantId,
      deliver: AsyncResource.bind((events: DomainEvent[]) => listener.deliver(events)),
    };
    this.live.add(bound);
    return () => this.live.delete(bound);
  }

  /** Settled events of a tenant after `after`, up to `upTo`, oldest first (a catch-up page). */
  async read(
    tenantId: string,
    after: bigint,
    upTo: bigint,
    limit: number,
    subject?: { type: string; id: string },
  ): Promise<DomainEvent[]> {
    const rows = await this.dataSource.query<EventRow[]>(
      subject
        ? `SELECT ${EVENT_COLUMNS} FROM events e
            WHERE e.tenant_id = $1 AND e.subject_type = $5 AND e.subject_id = $6
              AND e.position > $2 AND e.position <= $3 ORDER BY e.position LIMIT $4`
        : `SELECT ${EVENT_COLUMNS} FROM events e
            WHERE e.position > $2 AND e.position <= $3 AND e.tenant_id = $1
            ORDER BY e.position LIMIT $4`,
      [
        tenantId,
        after.toString(),
        upTo.toString(),
        limit,
        ...(subject ? [subject.type, subject.id] : []),
      ],
    );
    return rows.map(eventFromRow);
  }

  /**
   * The newest position given to an event, of any tenant (0 when none was): the identity's
   * sequence, not the newest row, which retention may have deleted since it was sent.
   */
  async newestPosition(): Promise<bigint> {
    const [row] = await this.dataSource.query<Array<{ position: string | null }>>(
      `SELECT greatest(
                pg_sequence_last_value(pg_get_serial_sequence('events', 'position')::regclass),
                (SELECT max(position) FROM events))::text AS position`,
    );
    return row?.position ? BigInt(row.position) : 0n;
  }

  /** The position of a subject's last event of these types, if any. */
  async lastPosition(
    tenantId: string,
    subject: { type: string; id: string },
    types: string[],
  ): Promise<bigint | undefined> {
    const [row] = await this.dataSource.query<Array<{ position: string | null }>>(
      `SELECT max(e.position)::text AS position FROM events e
        WHERE e.tenant_id = $1 AND e.subject_type = $2 AND e.subject_id = $3
          AND e.type = ANY($4::varchar[])`,
      [tenantId, subject.type, subject.id, types],
    );
    return row?.position ? BigInt(row.position) : undefined;
  }

  /** One shared read: the events after the horizon, and the snapshot they were read in. */
  private async round(): Promise<boolean> {
    const horizon = this.horizon;
    if (horizon.position === undefined) {
      const [row] = await this.dataSource.query<Array<Record<string, string>>>(FEED_START_SQL);
      if (this.horizon !== horizon) return true;
      horizon.start(BigInt(row.max), BigInt(row.xmin), BigInt(row.xmax));
      if (horizon.position === undefined) {
        this.recheckSoon();
        return false;
      }
      this.release();
    }
    this.reads += 1;
    const [row] = await this.dataSource.query<
      Array<{ xmin: string; xmax: string; events: EventRow[] }>
    >(FEED_READ_SQL, [horizon.position.toString(), BATCH]);
    if (this.horizon !== horizon) return true;
    const settled = horizon.advance(
      row.events.map((event) => ({ ...event, occurredAt: new Date(event.occurredAt) })),
      BigInt(row.xmin),
      BigInt(row.xmax),
    );
    this.hand(settled.map(eventFromRow));
    if (horizon.blocked) this.recheckSoon();
    return row.events.length >= BATCH && settled.length > 0;
  }

  private hand(events: DomainEvent[]): void {
    if (events.length === 0 || this.live.size === 0) return;
    const byTenant = new Map<string | null, DomainEvent[]>();
    for (const event of events) {
      const list = byTenant.get(event.tenantId);
      if (list) list.push(event);
      else byTenant.set(event.tenantId, [event]);
    }
    for (const listener of [...this.live]) {
      const mine = byTenant.get(listener.tenantId);
      if (!mine) continue;
      try {
        listener.deliver(mine);
      } catch (error) {
        this.logger.warn(`A live stream failed to take events: ${(error as Error).message}`);
      }
    }
  }

  private release(): void {
    const waiting = this.waiting;
    this.waiting = [];
    waiting.forEach((resolve) => resolve());
  }

  private recheckSoon(): void {
    if (this.recheck) return;
    this.recheck = setTimeout(() => {
      this.recheck = undefined;
      this.loop.wake();
    }, GAP_RECHECK_MS);
    this.recheck.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poll);
    clearTimeout(this.recheck);
    this.release();
    await this.loop.idle();
  }
}
