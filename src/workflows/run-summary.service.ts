import { Injectable } from '@nestjs/common';
import { currentTenantId } from '../common/context/request-context';
import { StatusCount, tally, total } from '../common/summary/status-counts';
import { ReadRouter } from '../database/read-router';
import { RunSummaryDto } from './dto/run-summary.dto';
import { RUN_STATUSES, TERMINAL_RUN_STATUSES } from './state-machine';

/**
 * Exact run counts for a window ending now (the console's Overview). Each half of the one
 * statement is an aggregate over an index on (tenant_id, created_at) or (tenant_id, finished_at)
 * that carries the status, so it reads the window's index entries only, however many runs the
 * table holds; one statement, so both halves see the same snapshot.
 */
@Injectable()
export class RunSummaryService {
  constructor(private readonly reads: ReadRouter) {}

  async summary(since: string): Promise<RunSummaryDto> {
    const tenantId = currentTenantId();
    const from = new Date(since);
    const asOf = new Date();
    const rows = await this.reads.read((source) =>
      source.query<Array<StatusCount & { half: 'created' | 'finished' }>>(
        `SELECT 'created' AS half, status, count(*)::int AS n FROM workflow_runs
          WHERE tenant_id = $1 AND created_at >= $2 GROUP BY status
         UNION ALL
         SELECT 'finished' AS half, status, count(*)::int AS n FROM workflow_runs
          WHERE tenant_id = $1 AND finished_at >= $2 GROUP BY status`,
        [tenantId, from],
      ),
    );
    const createdByStatus = tally(
      RUN_STATUSES,
      rows.filter((row) => row.half === 'created'),
    );
    const finishedByStatus = tally(
      TERMINAL_RUN_STATUSES,
      rows.filter((row) => row.half === 'finished'),
    );
    return {
      since: from.toISOString(),
      asOf: asOf.toISOString(),
      created: total(createdByStatus),
      createdByStatus,
      finished: total(finishedByStatus),
      finishedByStatus,
    };
  }
}
