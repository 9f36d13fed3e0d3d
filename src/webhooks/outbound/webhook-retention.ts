import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../../config/config';
import { InjectConfig } from '../../config/config.module';
import { HistoryPartitions, HistoryTable } from '../../database/partitions/history-partitions';
import { EventsService } from '../../events/events.service';
import { ShutdownState } from '../../health/shutdown-state';

const PURGE_EVERY_MS = 60_000;
export const PURGE_BATCH = 1_000;

const HISTORY_TABLES: readonly HistoryTable[] = ['events', 'webhook_attempts'];

/**
 * Keeps the partitions of the history tables (events, attempts) created ahead, and purges
 * what is older than WEBHOOK_RETENTION a partition at a time: partitions wholly past it are
 * dropped whole unless they hold something still kept (an undispatched event, a run's history,
 * an attempt of a delivery still pending or recently finished); then, below those partitions,
 * finished deliveries (succeeded or dead; their other attempts go with them), messages no
 * delivery needs any more, receipt hashes and dispatched events are deleted in small batches,
 * each its own statement with SKIP LOCKED: no long locks, safe on N replicas.
 */
@Injectable()
export class WebhookRetention implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WebhookRetention.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly events: EventsService,
    private readonly partitions: HistoryPartitions,
    private readonly shutdown: ShutdownState,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.workers) return;
    this.running = this.ensurePartitions()
      .catch((error: Error) => this.logger.warn(`Creating partitions failed: ${error.message}`))
      .finally(() => (this.running = undefined));
    this.timer = setInterval(() => {
      if (this.running || this.shutdown.isShuttingDown) return;
      this.running = this.purge()
        .catch((error: Error) => this.logger.warn(`Webhook retention failed: ${error.message}`))
        .finally(() => (this.running = undefined));
    }, PURGE_EVERY_MS);
    this.timer.unref();
  }

  /** Partitions for the current period and the next HISTORY_PARTITIONS_AHEAD. */
  async ensurePartitions(): Promise<string[]> {
    const created: string[] = [];
    for (const table of HISTORY_TABLES) created.push(...(await this.partitions.ensureAhead(table)));
    if (created.length > 0) this.logger.log(`Created partitions ${created.join(', ')}`);
    return created;
  }

  /** One pass; returns what it removed (`partitions`: the names of those dropped whole). */
  async purge(): Promise<{
    partitions: string[];
    deliveries: number;
    messages: number;
    events: number;
  }> {
    await this.ensurePartitions();
    const cutoff = new Date(Date.now() - this.config.webhookRetentionMs);
    const partitions = [
      ...(await this.partitions.dropExpired(
        'webhook_attempts',
        cutoff,
        `EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.id = x.delivery_id
                    AND (d.next_attempt_at IS NOT NULL OR d.updated_at >= $1))`,
      )),
      ...(await this.events.dropExpiredPartitions(cutoff)),
    ];
    // A delivery goes with the partition of its first attempts: made in the same period.
    const below = await this.partitions.expiredBelow('webhook_attempts', cutoff);
    const deliveries = !below
      ? 0
      : await this.inBatches(
          `DELETE FROM webhook_deliveries WHERE id IN (
             SELECT id FROM webhook_deliveries
              WHERE next_attempt_at IS NULL AND updated_at < $1 AND id < $3::uuid
              ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
          cutoff,
          [below],
        );
    const messages = await this.inBatches(
      `DELETE FROM webhook_messages WHERE id IN (
         SELECT m.id FROM webhook_messages m
          WHERE m.created_at < $1
            AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.message_id = m.id)
          ORDER BY m.created_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      cutoff,
    );
    // Receipt hashes outlive their run's end deliveries by far (those wait seconds for them).
    await this.inBatches(
      `DELETE FROM webhook_receipt_hashes WHERE event_id IN (
         SELECT event_id FROM webhook_receipt_hashes WHERE created_at < $1
          ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      cutoff,
    );
    let events = 0;
    for (;;) {
      const removed = await this.events.purgeDispatched(cutoff, PURGE_BATCH);
      events += removed;
      if (removed < PURGE_BATCH || this.shutdown.isShuttingDown) break;
    }
    return { partitions, deliveries, messages, events };
  }

  private async inBatches(sql: string, cutoff: Date, more: unknown[] = []): Promise<number> {
    let total = 0;
    for (;;) {
      const [, count]: [unknown, number] = await this.dataSource.query(sql, [
        cutoff,
        PURGE_BATCH,
        ...more,
      ]);
      total += count;
      if (count < PURGE_BATCH || this.shutdown.isShuttingDown) return total;
    }
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
