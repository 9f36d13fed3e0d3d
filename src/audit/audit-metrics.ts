import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ScrapeSnapshot } from '../metrics/scrape-snapshot';

interface Backlog {
  count: number;
  oldestAgeSeconds: number;
}

/** One query per scrape: prom-client collects all gauges at once, so they share it. */
const backlog = new ScrapeSnapshot<Backlog>({ count: 0, oldestAgeSeconds: 0 });

/** Seal lag on /metrics: entries written but not yet in the chain, and the oldest one's age. */
@Injectable()
export class AuditMetrics implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(AuditMetrics.name);

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  onModuleInit(): void {
    backlog.gauge(
      'audit_unsealed_entries',
      'Audit entries not yet sealed into the chain',
      [],
      (g, b) => g.set(b.count),
    );
    backlog.gauge(
      'audit_oldest_unsealed_age_seconds',
      'Age of the oldest unsealed audit entry',
      [],
      (g, b) => g.set(b.oldestAgeSeconds),
    );
    backlog.readFrom(() => this.backlog());
  }

  onModuleDestroy(): void {
    backlog.stopReading();
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
