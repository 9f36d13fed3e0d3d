import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/config';
import { InjectConfig } from '../config/config.module';
import { boundedCount, ESTIMATE_NOTE, EXACT_UP_TO, plannedRows } from '../metrics/bounded-count';
import { ScrapeSnapshot } from '../metrics/scrape-snapshot';
import { LIMIT_TOKENS_SQL } from './rate-limit-shards';

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
  constructor(
    private readonly dataSource: DataSource,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    counts.gauge(
      'workflow_runs_waiting',
      `Unfinished workflow runs waiting, by reason (schedule, concurrency, paused, rate_limit, budget); ${ESTIMATE_NOTE}`,
      ['reason'],
      (g, byReason) => {
        for (const reason of ['schedule', 'concurrency', 'paused', 'rate_limit', 'budget'])
          g.set({ reason }, byReason[reason] ?? 0);
      },
    );
    counts.readFrom(() => this.read(), this.config.metricsCacheMs);
  }

  onModuleDestroy(): void {
    counts.stopReading();
  }

  private async read(): Promise<Record<string, number>> {
    const count = (select: string) => boundedCount(this.dataSource, select);
    const [schedule, concurrency, paused, rateLimit, budget] = await Promise.all([
      count(`SELECT 1 FROM workflow_runs WHERE status = 'scheduled'`),
      count(
        `SELECT 1 FROM workflow_runs
          WHERE concurrency_state = 'waiting' AND status IN ('pending', 'running')`,
      ),
      count(
        `SELECT 1 FROM workflow_definition_pauses p
           JOIN workflow_runs r ON r.tenant_id = p.tenant_id AND r.type = p.definition_key
          WHERE r.status IN ('pending', 'running')
            AND r.concurrency_state IS DISTINCT FROM 'waiting'`,
      ),
      this.rateLimited(),
      count(`SELECT 1 FROM workflow_runs WHERE status = 'budget_exceeded'`),
    ]);
    return { schedule, concurrency, paused, rate_limit: rateLimit, budget };
  }

  /**
   * Runs with a ready task held back by its rate limit: the distinct runs of the first
   * EXACT_UP_TO + 1 such tasks, exact while there are no more than EXACT_UP_TO of them (then
   * every one was read); past that, the planner's estimate of the distinct runs.
   */
  private async rateLimited(): Promise<number> {
    const held = `SELECT t.run_id FROM workflow_tasks t
        LEFT JOIN rate_limits l ON l.tenant_id = t.tenant_id AND l.key = t.rate_limit_key
       WHERE t.status = 'queued' AND t.rate_limit_key IS NOT NULL
         AND t.available_at <= now()
         AND (l.key IS NULL OR least(t.rate_units, l.burst) > ${LIMIT_TOKENS_SQL})`;
    const [row] = await this.dataSource.query<Array<{ tasks: number; runs: number }>>(
      `SELECT count(*)::int AS tasks, count(DISTINCT run_id)::int AS runs
         FROM (${held} LIMIT ${EXACT_UP_TO + 1}) bounded`,
    );
    if (row.tasks <= EXACT_UP_TO) return row.runs;
    return Math.max(
      row.runs,
      await plannedRows(this.dataSource, `SELECT DISTINCT run_id FROM (${held}) held`),
    );
  }
}
