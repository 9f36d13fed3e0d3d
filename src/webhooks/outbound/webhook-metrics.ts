import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Counter, Gauge, Histogram, register } from 'prom-client';
import { DataSource } from 'typeorm';
import { boundedCount, ESTIMATE_NOTE } from '../../metrics/bounded-count';
import { ScrapeSnapshot } from '../../metrics/scrape-snapshot';
import type { AppConfig } from '../../config/config';
import { InjectConfig } from '../../config/config.module';

interface QueueState {
  depth: number;
  oldestAgeSeconds: number;
  dead: number;
  breakers: Record<'closed' | 'open' | 'half_open' | 'disabled', number>;
}

const EMPTY: QueueState = {
  depth: 0,
  oldestAgeSeconds: 0,
  dead: 0,
  breakers: { closed: 0, open: 0, half_open: 0, disabled: 0 },
};

// prom-client's registry is process-wide: metrics are made once and read the state of the
// application that registered last (tests build several apps in one process).
const state = new ScrapeSnapshot<QueueState>(EMPTY);

/** One round of queries per scrape (or per METRICS_CACHE), shared by the gauges. */
function refreshed(): Promise<QueueState> {
  return state.get();
}

function metric<T>(name: string, make: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? make();
}

export const deliveryResults = metric(
  'webhook_deliveries_total',
  () =>
    new Counter({
      name: 'webhook_deliveries_total',
      help: 'Webhook delivery attempts by result: succeeded, retry, dead, gone',
      labelNames: ['result'],
    }),
);

export const deliveryLatency = metric(
  'webhook_delivery_latency_seconds',
  () =>
    new Histogram({
      name: 'webhook_delivery_latency_seconds',
      help: 'From the event being committed to the receiver answering 2xx',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600, 86400],
    }),
);

function gauge(name: string, help: string, read: (state: QueueState) => void | number): void {
  if (register.getSingleMetric(name)) return;
  new Gauge({
    name,
    help,
    async collect() {
      const value = read(await refreshed());
      if (typeof value === 'number') this.set(value);
    },
  });
}

/** Queue depth and age, dead deliveries and breaker states on /metrics. */
@Injectable()
export class WebhookMetrics implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(WebhookMetrics.name);

  constructor(
    private readonly dataSource: DataSource,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    gauge(
      'webhook_queue_depth',
      `Webhook deliveries waiting for an attempt; ${ESTIMATE_NOTE}`,
      (s) => s.depth,
    );
    gauge(
      'webhook_queue_oldest_age_seconds',
      'How long the most overdue webhook delivery has been due, of those a sender could send ' +
        'now (endpoints disabled or with an open breaker apart)',
      (s) => s.oldestAgeSeconds,
    );
    gauge(
      'webhook_deliveries_dead',
      `Webhook deliveries that gave up (dead); ${ESTIMATE_NOTE}`,
      (s) => s.dead,
    );
    if (!register.getSingleMetric('webhook_endpoints')) {
      new Gauge({
        name: 'webhook_endpoints',
        help: 'Webhook endpoints by circuit-breaker state (disabled endpoints apart)',
        labelNames: ['state'],
        async collect() {
          const { breakers } = await refreshed();
          for (const [state, count] of Object.entries(breakers)) this.set({ state }, count);
        },
      });
    }
    state.readFrom(() => this.read(), this.config.metricsCacheMs);
  }

  onModuleDestroy(): void {
    state.stopReading();
  }

  private async read(): Promise<QueueState> {
    try {
      // Each from a partial index, read up to EXACT_UP_TO entries (then estimated); the most
      // overdue delivery is the oldest of the endpoints' heads of `webhook_deliveries_due`
      // (keyed endpoint, next_attempt_at): one index descent per endpoint. Only what senders
      // could send now ages it: an endpoint disabled or with its breaker open holds its
      // deliveries (one broken receiver is not "the senders are behind"), and one whose breaker
      // has half-opened has had its head due since then.
      const [depth, dead, [overdue]] = await Promise.all([
        boundedCount(
          this.dataSource,
          'SELECT 1 FROM webhook_deliveries WHERE next_attempt_at IS NOT NULL',
        ),
        boundedCount(this.dataSource, `SELECT 1 FROM webhook_deliveries WHERE status = 'dead'`),
        this.dataSource.query<Array<{ age: number }>>(
          `SELECT COALESCE(EXTRACT(EPOCH FROM now() - min(
                    greatest(h.next_attempt_at, e.breaker_open_until))), 0)::float8 AS age
             FROM webhook_endpoints e
             CROSS JOIN LATERAL (SELECT d.next_attempt_at FROM webhook_deliveries d
                                  WHERE d.endpoint_id = e.id AND d.next_attempt_at IS NOT NULL
                                  ORDER BY d.next_attempt_at LIMIT 1) h
            WHERE h.next_attempt_at <= now() AND e.enabled
              AND (e.breaker_open_until IS NULL OR e.breaker_open_until <= now())`,
        ),
      ]);
      const endpoints: Array<{ state: keyof QueueState['breakers']; count: number }> =
        await this.dataSource.query(
          `SELECT CASE WHEN NOT enabled THEN 'disabled'
                       WHEN breaker_open_until > now() THEN 'open'
                       WHEN breaker_open_until IS NOT NULL THEN 'half_open'
                       ELSE 'closed' END AS state, count(*)::int AS count
             FROM webhook_endpoints GROUP BY 1`,
        );
      const breakers = { ...EMPTY.breakers };
      for (const row of endpoints) breakers[row.state] = row.count;
      return { depth, oldestAgeSeconds: Math.max(0, overdue?.age ?? 0), dead, breakers };
    } catch (error) {
      this.logger.debug(`Webhook queue state unavailable: ${(error as Error).message}`);
      throw error;
    }
  }
}
