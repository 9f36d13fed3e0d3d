import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Gauge, register } from 'prom-client';
import { DataSource } from 'typeorm';
import { ScrapeSnapshot } from './scrape-snapshot';
import type { AppConfig } from '../config/config';
import { InjectConfig } from '../config/config.module';

/** Endpoints reported one by one (the most backlogged, then the most dead); the rest summed. */
export const TOP_ENDPOINTS = 20;
/** Scrapes within this long of a read share it (several Prometheus servers, or a fast interval). */
const CACHE_MS = 5_000;

interface Backlogs {
  outboxPending: number;
  outboxOldestAgeSeconds: number;
  /** Per endpoint id (or `other`): deliveries waiting for an attempt, and dead ones. */
  endpoints: Array<{ endpoint: string; backlog: number; dead: number }>;
}

const backlogs = new ScrapeSnapshot<Backlogs>(
  { outboxPending: 0, outboxOldestAgeSeconds: 0, endpoints: [] },
  CACHE_MS,
);
let workers = false;

/**
 * Backlogs an on-call watches, computed on scrape (cached for 5 s), never per request: the
 * outbox's lag (age of the oldest undispatched event) and each webhook endpoint's backlog and
 * dead deliveries, with a bounded label set: the top endpoints by id, the rest as `other`.
 * And whether this replica runs the background workers (`agentmesh_workers`).
 */
@Injectable()
export class BacklogMetrics implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(BacklogMetrics.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    backlogs.gauge('events_outbox_pending', 'Domain events not yet dispatched', [], (g, s) =>
      g.set(s.outboxPending),
    );
    backlogs.gauge(
      'events_outbox_oldest_age_seconds',
      'Outbox lag: age of the oldest undispatched domain event',
      [],
      (g, s) => g.set(s.outboxOldestAgeSeconds),
    );
    backlogs.gauge(
      'webhook_endpoint_backlog',
      `Webhook deliveries waiting for an attempt, per endpoint (top ${TOP_ENDPOINTS}, the rest as "other")`,
      ['endpoint'],
      (g, s) => {
        for (const row of s.endpoints) g.set({ endpoint: row.endpoint }, row.backlog);
      },
    );
    backlogs.gauge(
      'webhook_endpoint_dead',
      `Dead webhook deliveries, per endpoint (top ${TOP_ENDPOINTS}, the rest as "other")`,
      ['endpoint'],
      (g, s) => {
        for (const row of s.endpoints) g.set({ endpoint: row.endpoint }, row.dead);
      },
    );
    if (!register.getSingleMetric('agentmesh_workers')) {
      new Gauge({
        name: 'agentmesh_workers',
        help: 'Whether this replica runs the background workers (WORKERS=on): 1, else 0',
        collect() {
          this.set(workers ? 1 : 0);
        },
      });
    }
    workers = this.config.workers;
    backlogs.readFrom(() => this.read());
  }

  onModuleDestroy(): void {
    backlogs.stopReading();
  }

  private async read(): Promise<Backlogs> {
    try {
      // Served by the partial index on undispatched events.
      const [outbox]: Array<{ pending: number; age: number }> = await this.dataSource.query(
        `SELECT count(*)::int AS pending,
                COALESCE(EXTRACT(EPOCH FROM now() - min(occurred_at)), 0)::float8 AS age
           FROM events WHERE dispatched_at IS NULL`,
      );
      // Served by the partial indexes on due and dead deliveries.
      const rows: Array<{ endpoint: string; backlog: number; dead: number }> =
        await this.dataSource.query(
          `WITH per AS (
             SELECT endpoint_id, sum(backlog)::int AS backlog, sum(dead)::int AS dead FROM (
               SELECT endpoint_id, count(*) AS backlog, 0 AS dead FROM webhook_deliveries
                WHERE next_attempt_at IS NOT NULL GROUP BY endpoint_id
               UNION ALL
               SELECT endpoint_id, 0, count(*) FROM webhook_deliveries
                WHERE status = 'dead' GROUP BY endpoint_id) t
             GROUP BY endpoint_id),
           ranked AS (
             SELECT *, row_number() OVER (ORDER BY backlog DESC, dead DESC, endpoint_id) AS n FROM per)
           SELECT CASE WHEN n <= $1 THEN endpoint_id::text ELSE 'other' END AS endpoint,
                  sum(backlog)::int AS backlog, sum(dead)::int AS dead
             FROM ranked GROUP BY 1`,
          [TOP_ENDPOINTS],
        );
      return {
        outboxPending: outbox.pending,
        outboxOldestAgeSeconds: Math.max(0, outbox.age),
        endpoints: rows,
      };
    } catch (error) {
      this.logger.debug(`Backlogs unavailable: ${(error as Error).message}`);
      throw error;
    }
  }
}
