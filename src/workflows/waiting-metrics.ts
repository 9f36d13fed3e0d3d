import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ScrapeSnapshot } from '../metrics/scrape-snapshot';

const counts = new ScrapeSnapshot<Record<string, number>>({});

/**
 * `workflow_runs_waiting{reason}`: unfinished runs held back, by why. `schedule`: a delayed
 * start not yet come (the partial index on start_at counts them); `concurrency`: runs queued
 * for a slot of their concurrency key (the partial index of unfinished keyed runs); `paused`:
 * runs of a paused definition (a pause is rare: joined from the few paused keys), but for
 * those queued for a concurrency slot (counted there, as the run view shows them).
 */
@Injectable()
export class WaitingMetrics implements OnModuleInit, OnModuleDestroy {
  constructor(private readonly dataSource: DataSource) {}

  onModuleInit(): void {
    counts.gauge(
      'workflow_runs_waiting',
      'Unfinished workflow runs waiting, by reason (schedule, concurrency, paused)',
      ['reason'],
      (g, byReason) => {
        for (const reason of ['schedule', 'concurrency', 'paused'])
          g.set({ reason }, byReason[reason] ?? 0);
      },
    );
    counts.readFrom(() => this.read());
  }

  onModuleDestroy(): void {
    counts.stopReading();
  }

  private async read(): Promise<Record<string, number>> {
    const [row] = await this.dataSource.query<
      Array<{ schedule: number; concurrency: number; paused: number }>
    >(
      `SELECT (SELECT count(*)::int FROM workflow_runs WHERE status = 'scheduled') AS schedule,
              (SELECT count(*)::int FROM workflow_runs
                WHERE concurrency_state = 'waiting'
                  AND status IN ('pending', 'running')) AS concurrency,
              (SELECT count(*)::int FROM workflow_definition_pauses p
                 JOIN workflow_runs r ON r.tenant_id = p.tenant_id AND r.type = p.definition_key
                WHERE r.status IN ('pending', 'running')
                  AND r.concurrency_state IS DISTINCT FROM 'waiting') AS paused`,
    );
    return {
      schedule: row?.schedule ?? 0,
      concurrency: row?.concurrency ?? 0,
      paused: row?.paused ?? 0,
    };
  }
}
