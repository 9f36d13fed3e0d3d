import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/config';
import { InjectConfig } from '../config/config.module';
import { ESTIMATE_NOTE, EXACT_UP_TO, plannedRows } from '../metrics/bounded-count';
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

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    backlog.gauge(
      'audit_unsealed_entries',
      `Audit entries not yet sealed into the chain; ${ESTIMATE_NOTE}`,
      [],
      (g, b) => g.set(b.count),
    );
    backlog.gauge(
      'audit_oldest_unsealed_age_seconds',
      'Age of the oldest unsealed audit entry (of the next 10,000 to seal)',
      [],
      (g, b) => g.set(b.oldestAgeSeconds),
    );
    backlog.readFrom(() => this.backlog(), this.config.metricsCacheMs);
  }

  onModuleDestroy(): void {
    backlog.stopReading();
  }

  /**
   * Two bounded reads: the chain's head (the newest sealed entry's txid, from the primary key's
   * end), then the entries from that txid on that are not in the chain, in seal order (txid, id)
   * on `audit_entries_txid_id`, at most EXACT_UP_TO + 1 of them. The head's txid goes in as a
   * value so the planner sees it (as one statement, a sub-select's value is unknown when planning
   * and it chose to hash both tables whole). Past EXACT_UP_TO the count is the planner's estimate
   * of the entries from that txid on; the age is the oldest of the first EXACT_UP_TO to seal.
   */
  private async backlog(): Promise<Backlog> {
    try {
      const [head] = await this.dataSource.query<Array<{ txid: string }>>(
        `SELECT h.txid::text AS txid FROM audit_chain c JOIN audit_entries h ON h.id = c.entry_id
          ORDER BY c.seq DESC LIMIT 1`,
      );
      const from = head?.txid ?? '0';
      const [row] = await this.dataSource.query<Array<{ count: number; age: number }>>(
        `SELECT count(*)::int AS count,
                COALESCE(EXTRACT(EPOCH FROM now() - min(occurred_at::timestamptz)), 0)::float8 AS age
           FROM (SELECT e.occurred_at FROM audit_entries e
                  WHERE e.txid >= $1::bigint
                    AND NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.entry_id = e.id)
                  ORDER BY e.txid, e.id LIMIT ${EXACT_UP_TO + 1}) unsealed`,
        [from],
      );
      const count =
        row.count <= EXACT_UP_TO
          ? row.count
          : Math.max(
              EXACT_UP_TO + 1,
              await plannedRows(
                this.dataSource,
                'SELECT 1 FROM audit_entries WHERE txid >= $1::bigint',
                [from],
              ),
            );
      return { count, oldestAgeSeconds: Math.max(0, row.age) };
    } catch (error) {
      this.logger.debug(`Audit backlog unavailable: ${(error as Error).message}`);
      throw error;
    }
  }
}
