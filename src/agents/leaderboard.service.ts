import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { currentTenantId } from '../common/context/request-context';
import { Transaction } from '../database/unit-of-work';
import { DomainEvent } from '../events/domain-event';
import { EventDispatcher } from '../events/event-dispatcher';
import { AgentStatus } from './entities/agent.entity';

/** The task outcomes the leaderboard counts; `task.timed_out` counts as a failure. */
export const OUTCOME_EVENTS = ['task.succeeded', 'task.failed', 'task.timed_out'] as const;

export interface LeaderboardRow {
  agentId: string;
  name: string;
  status: AgentStatus;
  successes: number;
  failures: number;
  total: number;
  successRate: number | null;
  wilsonLowerBound: number;
  meanLatencyMs: number | null;
}

interface Outcome {
  tenantId: string;
  agentId: string;
  skill: string;
  hour: string;
  succeeded: number;
  failed: number;
  durationMs: number;
  timed: number;
}

const Z = 1.96;

/**
 * Ranks agents by the lower bound of the Wilson interval of their success rate (z = 1.96),
 * then by mean task latency. Outcomes arrive as domain events from the workflows module and are
 * added up per agent, skill and hour in the dispatcher's transaction, so each event counts once.
 */
@Injectable()
export class LeaderboardService implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly dispatcher: EventDispatcher,
  ) {}

  onModuleInit(): void {
    this.dispatcher.subscribe({
      name: 'agent-leaderboard',
      types: OUTCOME_EVENTS,
      handle: (tx, events) => this.count(tx, events),
    });
  }

  async count(tx: Transaction, events: DomainEvent[]): Promise<void> {
    const totals = new Map<string, Outcome>();
    for (const event of events) {
      const { agentId, skill, durationMs } = event.data;
      if (!event.tenantId || typeof agentId !== 'string' || typeof skill !== 'string') continue;
      const hour = new Date(event.occurredAt);
      hour.setUTCMinutes(0, 0, 0);
      const key = JSON.stringify([event.tenantId, agentId, skill, hour.toISOString()]);
      const outcome = totals.get(key) ?? {
        tenantId: event.tenantId,
        agentId,
        skill,
        hour: hour.toISOString(),
        succeeded: 0,
        failed: 0,
        durationMs: 0,
        timed: 0,
      };
      if (event.type === 'task.succeeded') outcome.succeeded += 1;
      else outcome.failed += 1;
      if (typeof durationMs === 'number' && Number.isFinite(durationMs) && durationMs >= 0) {
        outcome.durationMs += Math.round(durationMs);
        outcome.timed += 1;
      }
      totals.set(key, outcome);
    }
    if (totals.size === 0) return;
    const rows = [...totals.values()];
    await tx.manager.query(
      `INSERT INTO agent_task_stats AS s
         (tenant_id, agent_id, skill_id, hour, succeeded, failed, duration_ms_total, duration_count)
       SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::timestamptz[],
                            $5::int[], $6::int[], $7::bigint[], $8::int[])
       ON CONFLICT (tenant_id, hour, skill_id, agent_id) DO UPDATE SET
         succeeded = s.succeeded + excluded.succeeded,
         failed = s.failed + excluded.failed,
         duration_ms_total = s.duration_ms_total + excluded.duration_ms_total,
         duration_count = s.duration_count + excluded.duration_count`,
      [
        rows.map((row) => row.tenantId),
        rows.map((row) => row.agentId),
        rows.map((row) => row.skill.slice(0, 64)),
        rows.map((row) => row.hour),
        rows.map((row) => row.succeeded),
        rows.map((row) => row.failed),
        rows.map((row) => row.durationMs),
        rows.map((row) => row.timed),
      ],
    );
  }

  /**
   * One page of the ranking over the last `windowHours`. `skill` (an id or a name) ranks the
   * agents that have that skill by their outcomes for it; without it, every agent by all of
   * its outcomes. Agents without outcomes rank last, with zero counts.
   */
  async rank(
    filter: { skill?: string; windowHours: number },
    limit: number,
    offset: number,
  ): Promise<{ rows: LeaderboardRow[]; more: boolean }> {
    const tenantId = currentTenantId();
    const skill = filter.skill ?? null;
    const raw = await this.dataSource.query<
      Array<{
        agent_id: string;
        name: string;
        status: AgentStatus;
        successes: number;
        failures: number;
        lower_bound: number;
        mean_latency_ms: number | null;
      }>
    >(
      `WITH skills AS (
         SELECT DISTINCT skill_id FROM agent_skills
          WHERE tenant_id = $1 AND (skill_id = $2 OR name_key = lower($2))
       ),
       totals AS (
         SELECT agent_id, sum(succeeded)::int AS successes, sum(failed)::int AS failures,
                sum(duration_ms_total)::float8 / nullif(sum(duration_count), 0) AS mean_latency_ms
           FROM agent_task_stats
          WHERE tenant_id = $1
            AND hour >= date_trunc('hour', now() - make_interval(hours => $3))
            AND ($2::text IS NULL OR skill_id IN (SELECT skill_id FROM skills) OR skill_id = $2)
          GROUP BY agent_id
       ),
       ranked AS (
         SELECT a.id AS agent_id, a.name, a.status,
                coalesce(t.successes, 0) AS successes, coalesce(t.failures, 0) AS failures,
                t.mean_latency_ms
           FROM agents a LEFT JOIN totals t ON t.agent_id = a.id
          WHERE a.tenant_id = $1
            AND ($2::text IS NULL OR EXISTS (
                  SELECT 1 FROM agent_skills s
                   WHERE s.tenant_id = a.tenant_id AND s.agent_id = a.id
                     AND (s.skill_id = $2 OR s.name_key = lower($2))))
       )
       SELECT r.*,
              CASE WHEN r.successes + r.failures = 0 THEN 0 ELSE greatest(0, (
                p + $6 / (2 * n) - $7 * sqrt((p * (1 - p) + $6 / (4 * n)) / n)
              ) / (1 + $6 / n)) END AS lower_bound
         FROM ranked r,
              LATERAL (SELECT (r.successes + r.failures)::float8 AS n) total,
              LATERAL (SELECT r.successes / nullif(total.n, 0) AS p) rate
        ORDER BY lower_bound DESC, r.mean_latency_ms ASC NULLS LAST, r.agent_id ASC
        LIMIT $4 OFFSET $5`,
      [tenantId, skill, filter.windowHours, limit + 1, offset, Z * Z, Z],
    );
    const rows = raw.slice(0, limit).map((row) => {
      const total = row.successes + row.failures;
      return {
        agentId: row.agent_id,
        name: row.name,
        status: row.status,
        successes: row.successes,
        failures: row.failures,
        total,
        successRate: total === 0 ? null : row.successes / total,
        wilsonLowerBound: Number(row.lower_bound),
        meanLatencyMs: row.mean_latency_ms === null ? null : Math.round(row.mean_latency_ms),
      };
    });
    return { rows, more: raw.length > limit };
  }
}
