import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Client } from 'pg';
import type { EntityManager } from 'typeorm';
import type { AppConfig } from '../config/config';
import { InjectConfig } from '../config/config.module';

type Handler = (payload: string) => void;

/**
 * One LISTEN connection per replica, shared by every module (cache invalidation, task wake-ups).
 * `notify` inside a transaction is delivered only if that transaction commits. After a lost
 * connection, subscribers hear `onReconnect` since they may have missed notifications.
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

  constructor(@InjectConfig() private readonly config: AppConfig) {}

  async onModuleInit(): Promise<void> {
    await this.connect().catch((error: Error) => {
      this.logger.warn(`LISTEN connection failed (${error.message}); retrying`);
      this.scheduleReconnect();
    });
  }

  subscribe(channel: string, handler: Handler): () => void {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      if (this.client) void this.listen(this.client, channel);
    }
    set.add(handler);
    return () => set.delete(handler);
  }

  onReconnect(handler: () => void): void {
    this.reconnectHandlers.add(handler);
  }

  /** Queues a notification in the caller's transaction. */
  async notify(manager: EntityManager, channel: string, payload: string): Promise<void> {
    await manager.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  private async connect(): Promise<void> {
    const client = new Client({
      connectionString: this.config.databaseUrl,
      connectionTimeoutMillis: this.config.dbConnectTimeoutMs,
      keepAlive: true,
      application_name: 'agentmesh-listen',
    });
    client.on('notification', (message) => {
      for (const handler of this.handlers.get(message.channel) ?? [])
        handler(message.payload ?? '');
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
