import { Injectable } from '@nestjs/common';
import { currentTenantId } from '../common/context/request-context';
import { StatusCount, tally, total } from '../common/summary/status-counts';
import { ReadRouter } from '../database/read-router';
import { discoveryScope } from './discovery-cache';
import { AgentSkillCountsDto, AgentSummaryDto } from './dto/agent-summary.dto';
import { AGENT_STATUSES } from './entities/agent.entity';

interface SummaryRow {
  statuses: StatusCount[];
  skills: AgentSkillCountsDto[];
  skill_count: number;
  quarantined: number;
}

/**
 * Exact counts of a tenant's agents (the console's Overview), in one statement so every figure
 * comes from the same snapshot. No part joins the whole fleet:
 *
 * - by status: `agents_tenant_status_id` (tenant, status, id);
 * - agents per skill: `agent_skills_tenant_skill` (tenant, skill, agent), no join;
 * - unhealthy agents per skill: only the agents not online, found by status in
 *   `agents_tenant_status_id`, each joined to its skills by `agent_skills`' primary key;
 * - quarantined per skill: the live quarantines (few) of skills their agents still have.
 *
 * Healthy is what is left: total − unhealthy − quarantined, an agent quarantined from a skill
 * counting as quarantined whatever its status. Served by the read replica when one is current,
 * as the other summaries are; after a change of the tenant's registry (discovery's scope) it
 * reads the primary a while, as discovery does.
 */
@Injectable()
export class AgentSummaryService {
  constructor(private readonly reads: ReadRouter) {}

  async summary(skills: number): Promise<AgentSummaryDto> {
    const tenantId = currentTenantId();
    const asOf = new Date();
    const [row] = await this.reads.read(
      (source) =>
        source.query<SummaryRow[]>(
          `WITH per_skill AS (
             SELECT skill_id AS skill, count(*)::int AS total FROM agent_skills
              WHERE tenant_id = $1 GROUP BY skill_id),
           not_online AS (
             SELECT s.skill_id AS skill, count(*)::int AS n
               FROM agents a JOIN agent_skills s ON s.tenant_id = a.tenant_id AND s.agent_id = a.id
              WHERE a.tenant_id = $1 AND a.status IN ('degraded', 'draining', 'offline')
              GROUP BY s.skill_id),
           quarantined AS (
             SELECT q.skill_id AS skill, q.agent_id, a.status
               FROM agent_quarantines q
               JOIN agent_skills s ON s.tenant_id = q.tenant_id AND s.agent_id = q.agent_id
                                  AND s.skill_id = q.skill_id
               JOIN agents a ON a.tenant_id = q.tenant_id AND a.id = q.agent_id
              WHERE q.tenant_id = $1 AND q.until > now()),
           quarantined_per_skill AS (
             SELECT skill, count(*)::int AS n,
                    count(*) FILTER (WHERE status <> 'online')::int AS not_online
               FROM quarantined GROUP BY skill),
           ranked AS (
             SELECT p.skill, p.total,
                    coalesce(o.n, 0) - coalesce(q.not_online, 0) AS unhealthy,
                    coalesce(q.n, 0) AS quarantined,
                    count(*) OVER ()::int AS skill_count
               FROM per_skill p
               LEFT JOIN not_online o ON o.skill = p.skill
               LEFT JOIN quarantined_per_skill q ON q.skill = p.skill
              ORDER BY p.total DESC, p.skill COLLATE "C" LIMIT $2)
           SELECT
             (SELECT coalesce(json_agg(json_build_object('status', status, 'n', n)), '[]')
                FROM (SELECT status, count(*)::int AS n FROM agents WHERE tenant_id = $1
                       GROUP BY status) counted) AS statuses,
             (SELECT coalesce(json_agg(json_build_object(
                       'skill', skill, 'total', total,
                       'healthy', total - unhealthy - quarantined, 'unhealthy', unhealthy,
                       'quarantined', quarantined) ORDER BY total DESC, skill COLLATE "C"), '[]')
                FROM ranked) AS skills,
             coalesce((SELECT max(skill_count) FROM ranked), 0) AS skill_count,
             (SELECT count(DISTINCT agent_id)::int FROM quarantined) AS quarantined`,
          [tenantId, skills],
        ),
      discoveryScope(tenantId),
    );
    const byStatus = tally(AGENT_STATUSES, row.statuses);
    return {
      asOf: asOf.toISOString(),
      total: total(byStatus),
      byStatus,
      quarantined: row.quarantined,
      skillCount: row.skill_count,
      bySkill: row.skills,
    };
  }
}
