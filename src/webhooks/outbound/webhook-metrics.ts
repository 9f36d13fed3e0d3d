import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Counter, Gauge, Histogram, register } from 'prom-client';
import { DataSource } from 'typeorm';

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
let readState: (() => Promise<QueueState>) | undefined;
let latest = EMPTY;
let pending: Promise<QueueState> | undefined;

/** One query per scrape, shared by the gauges collected together. */
function refreshed(): Promise<QueueState> {
  pending ??= (readState ? readState().catch(() => latest) : Promise.resolve(latest)).then(
    (state) => {
      latest = state;
      pending = undefined;
      return state;
    },
  );
  return pending;
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

  constructor(private readonly dataSource: DataSource) {}

  onModuleInit(): void {
    gauge('webhook_queue_depth', 'Webhook deliveries waiting for an attempt', (s) => s.depth);
    gauge(
      'webhook_queue_oldest_age_seconds',
      'How long the most overdue webhook delivery has been due',
      (s) => s.oldestAgeSeconds,
    );
    gauge('webhook_deliveries_dead', 'Webhook deliveries that gave up (dead)', (s) => s.dead);
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
    readState = () => this.read();
  }

  onModuleDestroy(): void {
    readState = undefined;
  }

  private async read(): Promise<QueueState> {
    try {
      const [queue]: Array<{ depth: number; age: number; dead: number }> =
        await this.dataSource.query(
          `SELECT count(*) FILTER (WHERE next_attempt_at IS NOT NULL)::int AS depth,
                  COALESCE(EXTRACT(EPOCH FROM now() - min(next_attempt_at)
                                     FILTER (WHERE next_attempt_at <= now())), 0)::float8 AS age,
                  (SELECT count(*) FROM webhook_deliveries WHERE status = 'dead')::int AS dead
             FROM webhook_deliveries WHERE next_attempt_at IS NOT NULL`,
        );
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
      return { depth: queue.depth, oldestAgeSeconds: queue.age, dead: queue.dead, breakers };
    } catch (error) {
      this.logger.debug(`Webhook queue state unavailable: ${(error as Error).message}`);
      throw error;
    }
  }
}
