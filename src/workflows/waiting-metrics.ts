import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Gauge, register } from 'prom-client';
import { DataSource } from 'typeorm';

const NAME = 'workflow_runs_waiting';

// prom-client's registry is process-wide (tests build several apps): the gauge is made once
// and reads through the application that registered last.
let read: (() => Promise<Record<string, number>>) | undefined;

/**
 * `workflow_runs_waiting{reason}`: unfinished runs held back, by why. `schedule`: a delayed
 * start not yet come (the partial index on start_at counts them); `paused`: runs of a paused
 * definition (a pause is rare: joined from the few paused keys).
 */
@Injectable()
export class WaitingMetrics implements OnModuleInit, OnModuleDestroy {
  constructor(private readonly dataSource: DataSource) {}

  onModuleInit(): void {
    read = () => this.counts();
    if (register.getSingleMetric(NAME)) return;
    new Gauge({
      name: NAME,
      help: 'Unfinished workflow runs waiting, by reason (schedule, paused)',
      labelNames: ['reason'],
      async collect() {
        const counts = read ? await read().catch(() => ({})) : {};
        for (const reason of ['schedule', 'paused'])
          this.set({ reason }, (counts as Record<string, number>)[reason] ?? 0);
      },
    });
  }

  onModuleDestroy(): void {
    read = undefined;
  }

  private async counts(): Promise<Record<string, number>> {
    const [row] = await this.dataSource.query<Array<{ schedule: number; paused: number }>>(
      `SELECT (SELECT count(*)::int FROM workflow_runs WHERE status = 'scheduled') AS schedule,
              (SELECT count(*)::int FROM workflow_definition_pauses p
                 JOIN workflow_runs r ON r.tenant_id = p.tenant_id AND r.type = p.definition_key
                WHERE r.status IN ('pending', 'running')) AS paused`,
    );
    return { schedule: row?.schedule ?? 0, paused: row?.paused ?? 0 };
  }
}
