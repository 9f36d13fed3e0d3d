import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { currentTenantId } from '../common/context/request-context';
import { Transaction } from '../database/unit-of-work';
import { DomainEvent } from '../events/domain-event';
import { EventDispatcher } from '../events/event-dispatcher';
import { AgentStatus } from './entities/agent.entity';
import { bucketOf } from './latency-histogram';

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
  p50LatencyMs: number | null;
  /** The skills (of those ranked) it is quarantined from now. */
  quarantined: string[];
  /** The skills (of those ranked) whose quarantine it is spared, as their last healthy agent. */
  quarantineDeferred: string[];
}

interface Outcome {
  tenantId: string;
  agentId: string;
  skill: string;
  hour: string;
  succeeded: number;
  failed: number;
  histogram: number[];
}

const Z = 1.96;

/**
 * Ranks agents by the lower bound of the Wilson interval of their success rate (z = 1.96),
 * then by median task latency (from √2-wide duration buckets, see latency-histogram.ts). Outcomes arrive as domain events from the workflows module and are
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
        skill: skill.slice(0, 64),
        hour: hour.toISOString(),
        succeeded: 0,
        failed: 0,
        histogram: [],
      };
      if (event.type === 'task.succeeded') outcome.succeeded += 1;
      else outcome.failed += 1;
      if (typeof durationMs === 'number' && Number.isFinite(durationMs) && durationMs >= 0) {
        const bucket = bucketOf(durationMs);
        while (outcome.histogram.length <= bucket) outcome.histogram.push(0);
        outcome.histogram[bucket] += 1;
      }
      totals.set(key, outcome);
    }
    // One row per agent, skill and hour: a handful per batch of events, upserted in one
    // statement in key order, so that two replicas counting at once cannot deadlock.
    const rows = [...totals.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, row]) => row);
    if (rows.length === 0) return;
    const column = <K extends keyof Outcome>(key: K) => rows.map((row) => row[key]);
    await tx.manager.query(
      `INSERT INTO agent_task_stats AS s
         (tenant_id, agent_id, skill_id, hour, succeeded, failed, latency_histogram)
       SELECT r.tenant_id, r.agent_id, r.skill_id, r.hour, r.succeeded, r.failed, r.histogram::int[]
         FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::timestamptz[], $5::int[],
                     $6::int[], $7::text[])
              WITH ORDINALITY AS r(tenant_id, agent_id, skill_id, hour, succeeded, failed,
                                   histogram, i)
        ORDER BY r.i
       ON CONFLICT (tenant_id, hour, skill_id, agent_id) DO UPDATE SET
         succeeded = s.succeeded + excluded.succeeded,
         failed = s.failed + excluded.failed,
         latency_histogram = ARRAY(
           SELECT coalesce(a, 0) + coalesce(b, 0)
             FROM unnest(s.latency_histogram, excluded.latency_histogram) WITH ORDINALITY AS h(a, b, i)
            ORDER BY i)`,
      [
        column('tenantId'),
        column('agentId'),
        column('skill'),
        column('hour'),
        column('succeeded'),
        column('failed'),
        rows.map((row) => `{${row.histogram.join(',')}}`),
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
        quarantined: string[];
        quarantine_deferred: string[];
        p50_latency_ms: number | null;
      }>
    >(
      `WITH skills AS (
         SELECT DISTINCT skill_id FROM agent_skills
          WHERE tenant_id = $1 AND (skill_id = $2 OR name_key = lower($2))
       ),
       stats AS (
         SELECT * FROM agent_task_stats
          WHERE tenant_id = $1
            AND hour >= date_trunc('hour', now() - make_interval(hours => $3))
            AND ($2::text IS NULL OR skill_id IN (SELECT skill_id FROM skills) OR skill_id = $2)
       ),
       totals AS (
         SELECT agent_id, sum(succeeded)::int AS successes, sum(failed)::int AS failures
           FROM stats GROUP BY agent_id
       ),
       histogram AS (
         SELECT st.agent_id, h.i, sum(h.n) AS n
           FROM stats st, unnest(st.latency_histogram) WITH ORDINALITY AS h(n, i)
          GROUP BY st.agent_id, h.i
       ),
       median AS (
         SELECT agent_id, min(i) - 1 AS bucket FROM (
           SELECT agent_id, i,
                  sum(n) OVER (PARTITION BY agent_id ORDER BY i) * 2
                    >= sum(n) OVER (PARTITION BY agent_id) AS reached,
                  sum(n) OVER (PARTITION BY agent_id) AS total
             FROM histogram) cumulative
          WHERE reached AND total > 0
          GROUP BY agent_id
       ),
       ranked AS (
         SELECT a.id AS agent_id, a.name, a.status,
                coalesce(t.successes, 0) AS successes, coalesce(t.failures, 0) AS failures,
                CASE WHEN m.bucket IS NULL THEN NULL
                     WHEN m.bucket = 0 THEN 0.5
                     ELSE power(2, (m.bucket - 0.5) / 2.0) END AS p50_latency_ms
           FROM agents a
           LEFT JOIN totals t ON t.agent_id = a.id
           LEFT JOIN median m ON m.agent_id = a.id
          WHERE a.tenant_id = $1
            AND ($2::text IS NULL OR EXISTS (
                  SELECT 1 FROM agent_skills s
                   WHERE s.tenant_id = a.tenant_id AND s.agent_id = a.id
                     AND (s.skill_id = $2 OR s.name_key = lower($2))))
       )
       SELECT r.*,
              CASE WHEN r.successes + r.failures = 0 THEN 0 ELSE greatest(0, (
                p + $6 / (2 * n) - $7 * sqrt((p * (1 - p) + $6 / (4 * n)) / n)
              ) / (1 + $6 / n)) END AS lower_bound,
              ARRAY(SELECT q.skill_id FROM agent_quarantines q
                     WHERE q.tenant_id = $1 AND q.agent_id = r.agent_id AND q.until > now()
                       AND ($2::text IS NULL OR q.skill_id = $2
                            OR q.skill_id IN (SELECT s.skill_id FROM agent_skills s
                                               WHERE s.tenant_id = $1 AND s.agent_id = r.agent_id
                                                 AND s.name_key = lower($2)))
                     ORDER BY q.skill_id COLLATE "C") AS quarantined,
              ARRAY(SELECT d.skill_id FROM agent_quarantine_deferrals d
                     WHERE d.tenant_id = $1 AND d.agent_id = r.agent_id
                       AND ($2::text IS NULL OR d.skill_id = $2
                            OR d.skill_id IN (SELECT s.skill_id FROM agent_skills s
                                               WHERE s.tenant_id = $1 AND s.agent_id = r.agent_id
                                                 AND s.name_key = lower($2)))
                     ORDER BY d.skill_id COLLATE "C") AS quarantine_deferred
         FROM ranked r,
              LATERAL (SELECT (r.successes + r.failures)::float8 AS n) total,
              LATERAL (SELECT r.successes / nullif(total.n, 0) AS p) rate
        ORDER BY lower_bound DESC, r.p50_latency_ms ASC NULLS LAST, r.agent_id ASC
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
        p50LatencyMs:
          row.p50_latency_ms === null ? null : Math.round(Number(row.p50_latency_ms) * 10) / 10,
        quarantined: row.quarantined,
        quarantineDeferred: row.quarantine_deferred,
      };
    });
    return { rows, more: raw.length > limit };
  }
}
