import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Gauge, register } from 'prom-client';
import type { AppConfig } from '../config/config';
import { InjectConfig } from '../config/config.module';
import { KeyChanges } from '../auth/key-changes';
import { PgNotifications } from '../database/pg-notifications';
import { UnavailableError } from '../common/errors/domain-error';
import { requestContext } from '../common/context/request-context';
import { DomainEvent, eventTypeMatches } from '../events/domain-event';
import { EventFeed } from './event-feed';
import { SseStream } from './sse-stream';

/** A run's history ends with one of these. */
export const TERMINAL_RUN_EVENTS = ['workflow.succeeded', 'workflow.failed', 'workflow.cancelled'];
/** What a failed run emits when it runs again (`POST /workflows/{id}/retry`). */
const RUN_RETRIED_EVENT = 'workflow.retried';

const PAGE = 500;

export interface StreamSpec {
  tenantId: string;
  /** Events after this position; undefined: from the settled horizon on (live only). */
  after: bigint | undefined;
  /** A run's history: read by its index while catching up. */
  subject?: { type: string; id: string };
  accepts(event: DomainEvent): boolean;
  /** The stream ends once it has sent this event. */
  isLast(event: DomainEvent): boolean;
  /**
   * The API key the stream was opened with (by default the opening request's): the stream
   * ends when it changes or expires.
   */
  key?: { id: string; expiresAt?: number };
}

/** The longest a stream from now on waits for its start before it answers. */
const START_WAIT_MS = 2_000;

/** setTimeout's longest delay: a later expiry is waited for in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const openStreams =
  (register.getSingleMetric('streams_open') as Gauge | undefined) ??
  new Gauge({ name: 'streams_open', help: 'Live event streams (SSE) open on this replica' });

/** Tenant stream filters: event type patterns (as for webhooks) and a run. */
export function tenantFilter(types: string[], workflowId: string | undefined) {
  return (event: DomainEvent): boolean =>
    (types.length === 0 || types.some((pattern) => eventTypeMatches(pattern, event.type))) &&
    (workflowId === undefined ||
      (event.subject.type === 'workflow' && event.subject.id === workflowId));
}

/**
 * Serves live streams: each catches up from the outbox by its own reads (paced by its client),
 * then, at the feed's horizon, joins the feed's shared reads. Positions are handed on in order
 * and only once settled, so a stream's last `id:` is a correct place to resume from.
 */
@Injectable()
export class StreamsService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(StreamsService.name);
  private readonly streams = new Set<SseStream>();

  constructor(
    private readonly feed: EventFeed,
    private readonly notifications: PgNotifications,
    private readonly keyChanges: KeyChanges,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /**
   * A stream is authorised once, when it opens; it ends when its key is revoked, rotated or
   * changed (every replica hears of it, as the key cache does) or when the key expires, so it
   * never outlives what a request with the same key would be allowed. Should notifications
   * have been missed (the listening connection was lost), every stream ends: each client
   * authenticates again and resumes with Last-Event-ID, losing nothing.
   */
  onModuleInit(): void {
    // A change of a stream's key ends it through its watch (see watchKey).
    this.notifications.onReconnect(() => {
      for (const stream of this.streams) stream.end('key');
    });
  }

  /** The position of the newest event committed (0 when there is none). */
  newestPosition(): Promise<bigint> {
    return this.feed.newestPosition();
  }

  /** Streams open on this replica. */
  get openCount(): number {
    return this.streams.size;
  }

  get streamOptions(): { keepaliveMs: number; bufferBytes: number } {
    return {
      keepaliveMs: this.config.streamKeepaliveMs,
      bufferBytes: this.config.streamBufferBytes,
    };
  }

  /**
   * Opens the stream `open` makes (its answer goes out then) and serves it until it ends (the
   * last event, the client, too slow, its key, or shutdown). A stream "from now on" (no
   * `after`) starts at the feed's settled horizon, found before the answer goes out: every
   * event that commits once the client has its answer is after it, and is sent. Failing before
   * that (the service stopping), it throws: the caller answers a problem.
   */
  async serve(open: () => SseStream, spec: StreamSpec): Promise<void> {
    const leave = this.feed.open();
    let stream: SseStream;
    let start: bigint | undefined;
    try {
      start = spec.after ?? (await this.startPosition());
      stream = open();
    } catch (error) {
      leave();
      throw error;
    }
    this.streams.add(stream);
    openStreams.inc();
    const key = spec.key ?? keyOfRequest();
    const forget = key ? this.watchKey(stream, key) : () => undefined;
    let unlisten: () => unknown = () => undefined;
    try {
      const cursor = await this.catchUp(stream, spec, start ?? (await this.feed.settled()));
      if (cursor === undefined) return;
      let last = cursor;
      // Synchronously after the catch-up saw the horizon at `cursor`: nothing falls between.
      unlisten = this.feed.listen({
        tenantId: spec.tenantId,
        deliver: (events) => {
          if (!stream.isOpen) return;
          const batch: DomainEvent[] = [];
          for (const event of events) {
            if (BigInt(event.position) <= last || !spec.accepts(event)) continue;
            batch.push(event);
            if (spec.isLast(event)) break;
          }
          const newest = BigInt(events[events.length - 1].position);
          if (newest > last) last = newest;
          stream.send(batch);
          if (batch.length > 0 && spec.isLast(batch[batch.length - 1])) stream.end('done');
        },
      });
      const why = await stream.done;
      if (why === 'slow') this.logger.warn('A live stream was dropped: its client read too slowly');
    } catch (error) {
      if (stream.isOpen) {
        this.logger.warn(`A live stream failed: ${(error as Error).message}`);
        stream.end('shutdown');
      }
    } finally {
      unlisten();
      leave();
      forget();
      this.streams.delete(stream);
      openStreams.dec();
    }
  }

  /**
   * Where a stream from now on starts: the settled horizon (503 while the service stops). The
   * horizon is known once every transaction that was writing when the feed looked has ended,
   * milliseconds as a rule; should one run long (a stuck session), the stream answers after
   * START_WAIT_MS anyway and starts where the horizon then settles (undefined here), so its
   * client gets keepalives instead of waiting for headers.
   */
  private async startPosition(): Promise<bigint | undefined> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.feed.settled(),
        new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), START_WAIT_MS);
        }),
      ]);
    } catch {
      throw new UnavailableError(
        'service_stopping',
        'The service is stopping: open the stream again (another replica answers).',
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends `stream` when its key changes (KeyChanges) or expires; returns the undo. */
  private watchKey(stream: SseStream, key: { id: string; expiresAt?: number }): () => void {
    const watch = this.keyChanges.watch(key.id);
    watch.signal.addEventListener('abort', () => stream.end('key'), { once: true });
    let timer: NodeJS.Timeout | undefined;
    const arm = (expiresAt: number) => {
      const wait = expiresAt - Date.now();
      if (wait <= 0) return stream.end('key');
      timer = setTimeout(() => arm(expiresAt), Math.min(wait, MAX_TIMER_MS));
      timer.unref();
    };
    if (key.expiresAt !== undefined) arm(key.expiresAt);
    return () => {
      clearTimeout(timer);
      watch.dispose();
    };
  }

  /**
   * Sends the events after `spec.after` up to the feed's horizon, page by page, until the
   * horizon stands still; returns where it stopped, or undefined once the stream has ended.
   */
  private async catchUp(
    stream: SseStream,
    spec: StreamSpec,
    start: bigint,
  ): Promise<bigint | undefined> {
    let cursor = start;
    for (;;) {
      const upTo = await this.feed.settled();
      while (cursor < upTo) {
        const page = await this.feed.read(spec.tenantId, cursor, upTo, PAGE, spec.subject);
        const wanted: DomainEvent[] = [];
        let last = false;
        for (const event of page) {
          if (!spec.accepts(event)) continue;
          wanted.push(event);
          if (spec.isLast(event)) {
            last = true;
            break;
          }
        }
        await stream.sendPaced(wanted);
        if (last) stream.end('done');
        if (!stream.isOpen) return undefined;
        cursor = page.length < PAGE ? upTo : BigInt(page[page.length - 1].position);
      }
      if (!stream.isOpen) return undefined;
      // At (or, for a position another replica's feed handed out, behind) the horizon: the
      // live part skips what is not after the cursor.
      if (this.feed.position !== undefined && this.feed.position <= cursor) return cursor;
    }
  }

  /**
   * A run's stream: its history after `after`, then its events as they commit, until its
   * terminal event (the one after its last retry). A finished run whose terminal event the
   * client has seen ends at once.
   */
  async serveRun(
    open: () => SseStream,
    tenantId: string,
    runId: string,
    after: bigint,
    finished: boolean,
  ): Promise<void> {
    const subject = { type: 'workflow', id: runId };
    if (finished) {
      const terminal = await this.feed.lastPosition(tenantId, subject, TERMINAL_RUN_EVENTS);
      if (terminal !== undefined && terminal <= after) {
        open().end('done');
        return;
      }
    }
    // A retried run's history holds the terminal event of each earlier end before its
    // `workflow.retried`: only a terminal event after the last retry ends the stream.
    const retried = await this.feed.lastPosition(tenantId, subject, [RUN_RETRIED_EVENT]);
    await this.serve(open, {
      tenantId,
      after,
      subject,
      accepts: (event) => event.subject.type === 'workflow' && event.subject.id === runId,
      isLast: (event) =>
        TERMINAL_RUN_EVENTS.includes(event.type) &&
        (retried === undefined || BigInt(event.position) > retried),
    });
  }

  /** Shutdown: every stream ends cleanly before the listener closes (and waits for them). */
  beforeApplicationShutdown(): void {
    for (const stream of this.streams) stream.end('shutdown');
  }
}

/** The key of the request opening a stream, from its context. */
function keyOfRequest(): { id: string; expiresAt?: number } | undefined {
  const context = requestContext.get();
  if (!context?.apiKeyId) return undefined;
  return { id: context.apiKeyId, expiresAt: context.apiKeyExpiresAt };
}
