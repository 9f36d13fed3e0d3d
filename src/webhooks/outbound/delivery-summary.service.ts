import { Injectable } from '@nestjs/common';
import { currentTenantId } from '../../common/context/request-context';
import { StatusCount, tally, total } from '../../common/summary/status-counts';
import { ReadRouter } from '../../database/read-router';
import { DeliverySummaryDto } from './dto/delivery-summary.dto';
import { DELIVERY_STATUSES } from './entities/webhook-delivery.entity';

/**
 * Exact delivery counts for a window ending now (the console's Overview): one aggregate over
 * the index on (tenant_id, created_at) that carries the status, so it reads the window's index
 * entries only, however many deliveries the table holds.
 */
@Injectable()
export class DeliverySummaryService {
  constructor(private readonly reads: ReadRouter) {}

  async summary(since: string): Promise<DeliverySummaryDto> {
    const tenantId = currentTenantId();
    const from = new Date(since);
    const asOf = new Date();
    const rows = await this.reads.read((source) =>
      source.query<StatusCount[]>(
        `SELECT status, count(*)::int AS n FROM webhook_deliveries
          WHERE tenant_id = $1 AND created_at >= $2 GROUP BY status`,
        [tenantId, from],
      ),
    );
    const byStatus = tally(DELIVERY_STATUSES, rows);
    return {
      since: from.toISOString(),
      asOf: asOf.toISOString(),
      total: total(byStatus),
      byStatus,
    };
  }
}
