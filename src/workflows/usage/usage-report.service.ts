import { Injectable } from '@nestjs/common';
import { currentTenantId } from '../../common/context/request-context';
import { BadRequestError } from '../../common/errors/domain-error';
import { decodeCursor, Page, toPage } from '../../common/pagination';
import { ReadRouter } from '../../database/read-router';
import type { UsageGroup, UsageGroupDto } from '../dto/usage.dto';
import { WorkflowErrorCode } from '../workflows.errors';

const DAY_MS = 24 * 3600 * 1000;
/** The default period, and the longest one a report may sum (it reads every row of it). */
const DEFAULT_DAYS = 30;
const MAX_DAYS = 366;

/** The group's key, as text; '' for none (no model reported), which no real key can be. */
const GROUP_KEYS: Record<UsageGroup, string> = {
  day: `to_char(u.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
  definition: 'u.definition_key',
  agent: `coalesce(u.agent_id, '')`,
  skill: 'u.skill',
  model: `coalesce(u.model, '')`,
};

export interface UsageQuery {
  from?: string;
  to?: string;
  groupBy?: UsageGroup;
  workflowId?: string;
}

/**
 * GET /usage: the tenant's usage ledger summed per group over a period (the index on
 * (tenant, occurred_at) reads only that period), groups in key order, a page at a time.
 */
@Injectable()
export class UsageReportService {
  constructor(private readonly reads: ReadRouter) {}

  async report(query: UsageQuery, limit: number, cursor?: string): Promise<Page<UsageGroupDto>> {
    const tenantId = currentTenantId();
    const { from, to } = period(query.from, query.to);
    const groupBy = query.groupBy ?? 'day';
    const after = decodeCursor(cursor, ['string']);
    const key = GROUP_KEYS[groupBy];
    const rows = await this.reads.read((source) =>
      source.query<Array<Omit<UsageGroupDto, 'key'> & { key: string }>>(
        `SELECT ${key} COLLATE "C" AS key,
                sum(u.input_tokens)::float8 AS "inputTokens",
                sum(u.output_tokens)::float8 AS "outputTokens",
                sum(u.input_tokens + u.output_tokens)::float8 AS tokens,
                coalesce(sum(u.cost_usd), 0)::float8 AS "costUsd",
                count(*)::int AS reports
           FROM usage_records u
          WHERE u.tenant_id = $1 AND u.occurred_at >= $2 AND u.occurred_at < $3
            AND ($4::uuid IS NULL OR u.run_id = $4)
            AND ($5::text IS NULL OR ${key} COLLATE "C" > $5)
          GROUP BY 1 ORDER BY 1 LIMIT $6`,
        [tenantId, from, to, query.workflowId ?? null, after ? after[0] : null, limit + 1],
      ),
    );
    const page = toPage(rows, limit, (row) => [row.key]);
    return {
      ...page,
      items: page.items.map((row) => ({
        key: row.key === '' ? null : row.key,
        inputTokens: row.inputTokens,
        outputTokens: row.outputTokens,
        tokens: row.tokens,
        costUsd: row.costUsd,
        reports: row.reports,
      })),
    };
  }
}

/** `to` defaults to now, `from` to 30 days before it; from before to, at most 366 days apart. */
function period(fromText?: string, toText?: string): { from: Date; to: Date } {
  const to = toText === undefined ? new Date() : new Date(toText);
  const from =
    fromText === undefined ? new Date(to.getTime() - DEFAULT_DAYS * DAY_MS) : new Date(fromText);
  if (Number.isNaN(to.getTime())) throw invalid('to', 'to must be an ISO 8601 date-time');
  if (Number.isNaN(from.getTime())) throw invalid('from', 'from must be an ISO 8601 date-time');
  if (from.getTime() >= to.getTime()) throw invalid('from', 'from must be before to');
  if (to.getTime() - from.getTime() > MAX_DAYS * DAY_MS) {
    throw invalid('from', `the period may span at most ${MAX_DAYS} days`);
  }
  return { from, to };
}

function invalid(field: string, message: string): BadRequestError {
  return new BadRequestError(WorkflowErrorCode.InvalidUsageQuery, 'The usage query is invalid.', [
    { field, message },
  ]);
}
