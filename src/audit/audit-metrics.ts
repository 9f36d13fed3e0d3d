import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Gauge, register } from 'prom-client';
import { DataSource } from 'typeorm';

interface Backlog {
  count: number;
  oldestAgeSeconds: number;
}

// prom-client's registry is process-wide: the gauges are made once and read the backlog of
// the application that registered last.
let readBacklog: (() => Promise<Backlog>) | undefined;
let latest: Backlog = { count: 0, oldestAgeSeconds: 0 };
let pending: Promise<Backlog> | undefined;

/** One query per scrape: prom-client collects all gauges at once, so they share it. */
function refreshed(): Promise<Backlog> {
  pending ??= (readBacklog ? readBacklog().catch(() => latest) : Promise.resolve(latest)).then(
    (backlog) => {
      latest = backlog;
      pending = undefined;
      return backlog;
    },
  );
  return pending;
}

function gauge(name: string, help: string, value: (backlog: Backlog) => number): void {
  if (register.getSingleMetric(name)) return;
  new Gauge({
    name,
    help,
    async collect() {
      this.set(value(await refreshed()));
    },
  });
}

/** Seal lag on /metrics: entries written but not yet in the chain, and the oldest one's age. */
@Injectable()
export class AuditMetrics implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(AuditMetrics.name);

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  onModuleInit(): void {
    gauge('audit_unsealed_entries', 'Audit entries not yet sealed into the chain', (b) => b.count);
    gauge(
      'audit_oldest_unsealed_age_seconds',
      'Age of the oldest unsealed audit entry',
      (b) => b.oldestAgeSeconds,
    );
    readBacklog = () => this.backlog();
  }

  onModuleDestroy(): void {
    readBacklog = undefined;
  }

  private async backlog(): Promise<Backlog> {
    try {
      const [row]: Array<{ count: number; age: number }> = await this.dataSource.query(
        `SELECT count(*)::int AS count,
                COALESCE(EXTRACT(EPOCH FROM now() - min(e.occurred_at::timestamptz)), 0)::float8 AS age
           FROM audit_entries e
          WHERE e.txid >= COALESCE((SELECT h.txid FROM audit_chain c JOIN audit_entries h ON h.id = c.entry_id
                                     ORDER BY c.seq DESC LIMIT 1), 0)
            AND NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.entry_id = e.id)`,
      );
      return { count: row.count, oldestAgeSeconds: row.age };
    } catch (error) {
      this.logger.debug(`Audit backlog unavailable: ${(error as Error).message}`);
      throw error;
    }
  }
}
