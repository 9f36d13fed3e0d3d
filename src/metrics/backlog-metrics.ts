import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Gauge, register } from 'prom-client';
import { DataSource } from 'typeorm';
import { boundedCount, ESTIMATE_NOTE, plannedRows } from './bounded-count';
import { ScrapeSnapshot } from './scrape-snapshot';
import type { AppConfig } from '../config/config';
import { InjectConfig } from '../config/config.module';

/** Endpoints reported one by one (the most backlogged, then the most dead); the rest summed. */
export const TOP_ENDPOINTS = 20;

interface Backlogs {
  outboxPending: number;
  outboxOldestAgeSeconds: number;
  /** Per endpoint id (or `other`): deliveries waiting for an attempt, and dead ones. */
  endpoints: Array<{ endpoint: string; backlog: number; dead: number }>;
}

const backlogs = new ScrapeSnapshot<Backlogs>({
  outboxPending: 0,
  outboxOldestAgeSeconds: 0,
  endpoints: [],
});
let workers = false;

/**
 * Backlogs an on-call watches, computed on scrape (reused for `METRICS_CACHE`), never per request: the
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
    backlogs.gauge(
      'events_outbox_pending',
      `Domain events not yet dispatched; ${ESTIMATE_NOTE}`,
      [],
      (g, s) => g.set(s.outboxPending),
    );
    backlogs.gauge(
      'events_outbox_oldest_age_seconds',
      'Outbox lag: age of the oldest undispatched domain event',
      [],
      (g, s) => g.set(s.outboxOldestAgeSeconds),
    );
    backlogs.gauge(
      'webhook_endpoint_backlog',
      `Webhook deliveries waiting for an attempt, per endpoint (top ${TOP_ENDPOINTS}, the rest as "other"); exact up to ${ENDPOINT_EXACT_UP_TO.toLocaleString('en')} per endpoint, above the planner's estimate`,
      ['endpoint'],
      (g, s) => {
        for (const row of s.endpoints) g.set({ endpoint: row.endpoint }, row.backlog);
      },
    );
    backlogs.gauge(
      'webhook_endpoint_dead',
      `Dead webhook deliveries, per endpoint (top ${TOP_ENDPOINTS}, the rest as "other"); exact up to ${ENDPOINT_EXACT_UP_TO.toLocaleString('en')} per endpoint, above the planner's estimate`,
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
    backlogs.readFrom(() => this.read(), this.config.metricsCacheMs);
  }

  onModuleDestroy(): void {
    backlogs.stopReading();
  }

  private async read(): Promise<Backlogs> {
    try {
      const [pending, [head]] = await Promise.all([
        // The outbox, read up to EXACT_UP_TO entries.
        boundedCount(this.dataSource, 'SELECT 1 FROM event_outbox'),
        // Its head: the dispatcher takes events in position order, so the first waits longest.
        this.dataSource.query<Array<{ age: number }>>(
          `SELECT EXTRACT(EPOCH FROM now() - e.occurred_at)::float8 AS age
             FROM event_outbox o JOIN events e ON e.id = o.event_id
            ORDER BY o.position LIMIT 1`,
        ),
      ]);
      return {
        outboxPending: pending,
        outboxOldestAgeSeconds: Math.max(0, head?.age ?? 0),
        endpoints: await endpointCounts(this.dataSource),
      };
    } catch (error) {
      this.logger.debug(`Backlogs unavailable: ${(error as Error).message}`);
      throw error;
    }
  }
}

/** Deliveries counted exactly per endpoint (waiting, dead); past it, the planner's estimate. */
export const ENDPOINT_EXACT_UP_TO = 1_000;

/**
 * Per endpoint, its deliveries waiting for an attempt and its dead ones, each read from its
 * partial index (`webhook_deliveries_due`, `webhook_deliveries_dead`, both keyed by endpoint) up
 * to ENDPOINT_EXACT_UP_TO entries, and past that estimated by the planner: the cost follows the
 * number of endpoints, not of deliveries. The top endpoints by backlog (then dead) keep their
 * id; the rest are summed as `other`.
 */
async function endpointCounts(
  db: DataSource,
): Promise<Array<{ endpoint: string; backlog: number; dead: number }>> {
  const cap = ENDPOINT_EXACT_UP_TO;
  const rows = await db.query<Array<{ endpoint: string; backlog: number; dead: number }>>(
    `SELECT e.id::text AS endpoint,
            (SELECT count(*)::int FROM (SELECT 1 FROM webhook_deliveries d
               WHERE d.endpoint_id = e.id AND d.next_attempt_at IS NOT NULL LIMIT ${cap + 1}) b)
              AS backlog,
            (SELECT count(*)::int FROM (SELECT 1 FROM webhook_deliveries d
               WHERE d.endpoint_id = e.id AND d.status = 'dead' LIMIT ${cap + 1}) b) AS dead
       FROM webhook_endpoints e`,
  );
  const estimate = async (count: number, where: string, endpoint: string) =>
    count <= cap
      ? count
      : Math.max(
          cap + 1,
          await plannedRows(
            db,
            `SELECT 1 FROM webhook_deliveries WHERE endpoint_id = $1 AND ${where}`,
            [endpoint],
          ),
        );
  const per: Array<{ endpoint: string; backlog: number; dead: number }> = [];
  for (const row of rows) {
    if (row.backlog === 0 && row.dead === 0) continue;
    per.push({
      endpoint: row.endpoint,
      backlog: await estimate(row.backlog, 'next_attempt_at IS NOT NULL', row.endpoint),
      dead: await estimate(row.dead, `status = 'dead'`, row.endpoint),
    });
  }
  per.sort(
    (a, b) => b.backlog - a.backlog || b.dead - a.dead || a.endpoint.localeCompare(b.endpoint),
  );
  const own = per.slice(0, TOP_ENDPOINTS);
  const rest = per.slice(TOP_ENDPOINTS);
  if (rest.length === 0) return own;
  return [
    ...own,
    {
      endpoint: 'other',
      backlog: rest.reduce((sum, row) => sum + row.backlog, 0),
      dead: rest.reduce((sum, row) => sum + row.dead, 0),
    },
  ];
}
