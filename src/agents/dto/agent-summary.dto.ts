import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { AGENT_STATUSES } from '../entities/agent.entity';
import type { AgentStatus } from '../entities/agent.entity';
import { QueryInt } from '../../common/query-int';

export const DEFAULT_SUMMARY_SKILLS = 50;
export const MAX_SUMMARY_SKILLS = 1000;

/** `GET /agents/summary?skills=`: how many skills to list, the most widely held first. */
export class AgentSummaryQueryDto {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_SUMMARY_SKILLS,
    default: DEFAULT_SUMMARY_SKILLS,
    description: 'Skills listed at most, those the most agents have first (skillCount counts all)',
  })
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(MAX_SUMMARY_SKILLS)
  skills?: number;
}

/** One skill's agents: healthy + unhealthy + quarantined = total. */
export class AgentSkillCountsDto {
  @ApiProperty({ description: 'The skill id' }) skill: string;
  @ApiProperty({ description: 'Agents that have the skill' }) total: number;
  @ApiProperty({ description: 'Of them, online and not quarantined from the skill' })
  healthy: number;
  @ApiProperty({ description: 'Of them, degraded, draining or offline, not quarantined' })
  unhealthy: number;
  @ApiProperty({ description: 'Of them, quarantined from the skill now (whatever their status)' })
  quarantined: number;
}

/** `GET /agents/summary`: exact counts of the tenant's agents, however many it has. */
export class AgentSummaryDto {
  @ApiProperty({ format: 'date-time', description: 'When it was counted' })
  asOf: string;

  @ApiProperty({ description: "The tenant's agents" })
  total: number;

  @ApiProperty({
    type: 'object',
    description: 'Agents by status (every status, 0 included)',
    properties: Object.fromEntries(AGENT_STATUSES.map((status) => [status, { type: 'integer' }])),
    required: [...AGENT_STATUSES],
  })
  byStatus: Record<AgentStatus, number>;

  @ApiProperty({ description: 'Agents quarantined now from at least one of their skills' })
  quarantined: number;

  @ApiProperty({ description: 'Distinct skills the agents have (bySkill may list fewer)' })
  skillCount: number;

  @ApiProperty({
    type: [AgentSkillCountsDto],
    description: 'Per skill, the most widely held first (then by id), at most `skills` of them',
  })
  bySkill: AgentSkillCountsDto[];
}
