import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource, type EntityManager } from 'typeorm';
import type { AppConfig } from '../config/config';
import { InjectConfig } from '../config/config.module';
import { preparedQuery } from './prepared';
import type { Transaction } from './unit-of-work';

type Handler = (payload: string) => void;

/** Marks a payload sent by `notifyAfterCommit`: `\u0001<replica>\u0001<payload>`. */
const ORIGIN_MARK = '\u0001';

/**
 * One LISTEN connection per replica, shared by every module (cache invalidation, task wake-ups).
 * `notify` inside a transaction is delivered only if that transaction commits. After a lost
 * connection, subscribers hear `onReconnect` since they may have missed notifications.
 *
 * `notifyAfterCommit` is for the hot paths: PostgreSQL serialises the commits of every
 * transaction that issued NOTIFY behind one database-wide lock held through the WAL flush, so
 * a NOTIFY per business transaction caps write throughput. It wakes this replica's subscribers
 * at once and tells the others with one NOTIFY statement per event-loop turn, outside any
 * transaction. A crash between the commit and that statement loses the signal: subscribers of
 * such channels also poll (the outbox every second, claims within their wait).
 */
@Injectable()
export class PgNotifications implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(PgNotifications.name);
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly reconnectHandlers = new Set<() => void>();
  private client: Client | undefined;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private everConnected = false;
  private listening: Promise<void> = Promise.resolve();
  /** Tells this replica's own after-commit notifications apart when they come back. */
  private readonly replica = randomBytes(6).toString('hex');
  private outgoing: Array<[channel: string, payload: string]> = [];
  private readonly drainers = new Set<Handler>();

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly dataSource: DataSource,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.connect().catch((error: Error) => {
      this.logger.warn(`LISTEN connection failed (${error.message}); retrying`);
      this.scheduleReconnect();
    });
  }

  /**
   * `drains`: the handler is a worker that takes all the work signalled on the channel (the
   * outbox dispatcher, the webhook sender). A signal sent from this replica then wakes it alone,
   * with no NOTIFY to the others: their workers would find the work taken, and they poll for
   * whatever is left.
   */
  subscribe(channel: string, handler: Handler, options: { drains?: boolean } = {}): () => void {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      if (this.client) void this.listen(this.client, channel);
    }
    set.add(handler);
    if (options.drains) this.drainers.add(handler);
    return () => {
      set.delete(handler);
      this.drainers.delete(handler);
    };
  }

  onReconnect(handler: () => void): void {
    this.reconnectHandlers.add(handler);
  }

  /** Queues a notification in the caller's transaction. */
  async notify(manager: EntityManager, channel: string, payload: string): Promise<void> {
    await manager.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  /** Signals subscribers once the transaction has committed (see the class comment). */
  notifyAfterCommit(tx: Transaction, channel: string, payload: string): void {
    tx.afterCommit(() => this.signal(channel, payload));
  }

  /** Signals this replica's subscribers now and the others' on the next turn (no transaction). */
  signal(channel: string, payload: string): void {
    if (this.deliver(channel, payload)) return;
    if (this.outgoing.length === 0) setImmediate(() => void this.flush());
    this.outgoing.push([channel, `${ORIGIN_MARK}${this.replica}${ORIGIN_MARK}${payload}`]);
  }

  private async flush(): Promise<void> {
    const batch = this.outgoing;
    this.outgoing = [];
    if (batch.length === 0 || this.closed) return;
    const unique = [...new Map(batch.map((item) => [item.join('\u0000'), item])).values()];
    try {
      await preparedQuery(
        this.dataSource,
        'SELECT pg_notify(c, p) FROM unnest($1::text[], $2::text[]) AS t(c, p)',
        [unique.map(([channel]) => channel), unique.map(([, payload]) => payload)],
      );
    } catch (error) {
      this.logger.debug(`NOTIFY to other replicas failed: ${(error as Error).message}`);
    }
  }

  /** True when one of the handlers drains the channel (see `subscribe`). */
  private deliver(channel: string, payload: string): boolean {
    let drained = false;
    for (const handler of this.handlers.get(channel) ?? []) {
      handler(payload);
      if (this.drainers.has(handler)) drained = true;
    }
    return drained;
  }

  private async connect(): Promise<void> {
    const client = new Client({
      connectionString: this.config.databaseUrl,
      connectionTimeoutMillis: this.config.dbConnectTimeoutMs,
      keepAlive: true,
      application_name: 'agentmesh-listen',
    });
    client.on('notification', (message) => {
      let payload = message.payload ?? '';
      if (payload.startsWith(ORIGIN_MARK)) {
        const end = payload.indexOf(ORIGIN_MARK, 1);
        // Our own after-commit notification: its subscribers heard it already.
        if (payload.slice(1, end) === this.replica) return;
        payload = payload.slice(end + 1);
      }
      this.deliver(message.channel, payload);
    });
    client.on('error', (error) => {
      this.logger.warn(`LISTEN connection lost (${error.message}); reconnecting`);
      this.drop(client);
    });
    client.on('end', () => this.drop(client));
    await client.connect();
    for (const channel of this.handlers.keys()) await this.listen(client, channel);
    if (this.closed) {
      await client.end();
      return;
    }
    const isReconnect = this.client === undefined && this.everConnected;
    this.client = client;
    this.everConnected = true;
    if (isReconnect) for (const handler of this.reconnectHandlers) handler();
  }

  /** LISTENs one after another: pg warns about a query issued while another runs. */
  private listen(client: Client, channel: string): Promise<void> {
    this.listening = this.listening.then(() =>
      client.query(`LISTEN ${client.escapeIdentifier(channel)}`).then(
        () => undefined,
        () => undefined,
      ),
    );
    return this.listening;
  }

  private drop(client: Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.removeAllListeners('notification');
    void client.end().catch(() => undefined);
    // Whatever we held may be stale now.
    for (const handler of this.reconnectHandlers) handler();
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect().catch(() => this.scheduleReconnect());
    }, 1_000);
    this.retryTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
