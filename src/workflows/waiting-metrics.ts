import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ScrapeSnapshot } from '../metrics/scrape-snapshot';

const counts = new ScrapeSnapshot<Record<string, number>>({});

/**
 * `workflow_runs_waiting{reason}`: unfinished runs held back, by why. `schedule`: a delayed
 * start not yet come (the partial index on start_at counts them); `concurrency`: runs queued
 * for a slot of their concurrency key (the partial index of unfinished keyed runs); `paused`:
 * runs of a paused definition (a pause is rare: joined from the few paused keys), but for
 * those queued for a concurrency slot (counted there, as the run view shows them);
 * `rate_limit`: runs with a ready task whose rate limit lacks its units now, or does not exist
 * (read from the partial index of queued tasks naming a rate limit); `budget`: runs whose usage
 * passed their budget (budget_exceeded), until it is raised.
 */
@Injectable()
export class WaitingMetrics implements OnModuleInit, OnModuleDestroy {
  constructor(private readonly dataSource: DataSource) {}

  onModuleInit(): void {
    counts.gauge(
      'workflow_runs_waiting',
      'Unfinished workflow runs waiting, by reason (schedule, concurrency, paused, rate_limit, budget)',
      ['reason'],
      (g, byReason) => {
        for (const reason of ['schedule', 'concurrency', 'paused', 'rate_limit', 'budget'])
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
      Array<{
        schedule: number;
        concurrency: number;
        paused: number;
        rateLimit: number;
        budget: number;
      }>
    >(
      `SELECT (SELECT count(*)::int FROM workflow_runs WHERE status = 'scheduled') AS schedule,
              (SELECT count(*)::int FROM workflow_runs
                WHERE concurrency_state = 'waiting'
                  AND status IN ('pending', 'running')) AS concurrency,
              (SELECT count(*)::int FROM workflow_definition_pauses p
                 JOIN workflow_runs r ON r.tenant_id = p.tenant_id AND r.type = p.definition_key
                WHERE r.status IN ('pending', 'running')
                  AND r.concurrency_state IS DISTINCT FROM 'waiting') AS paused,
              (SELECT count(DISTINCT t.run_id)::int FROM workflow_tasks t
                 LEFT JOIN rate_limits l ON l.tenant_id = t.tenant_id AND l.key = t.rate_limit_key
                WHERE t.status = 'queued' AND t.rate_limit_key IS NOT NULL
                  AND t.available_at <= now()
                  AND (l.key IS NULL OR least(t.rate_units, l.burst) > least(l.burst, l.tokens
                       + greatest(0, extract(epoch FROM now() - l.refilled_at)) * l.per_minute / 60)))
                AS "rateLimit",
              (SELECT count(*)::int FROM workflow_runs WHERE status = 'budget_exceeded') AS budget`,
    );
    return {
      schedule: row?.schedule ?? 0,
      concurrency: row?.concurrency ?? 0,
      paused: row?.paused ?? 0,
      rate_limit: row?.rateLimit ?? 0,
      budget: row?.budget ?? 0,
    };
  }
}
