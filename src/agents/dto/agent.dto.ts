import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AGENT_STATUSES } from '../entities/agent.entity';
import type { Agent, AgentStatus } from '../entities/agent.entity';

export class AgentSkillDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiPropertyOptional({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ type: [String] }) tags: string[];
  @ApiProperty({ type: [String] }) examples: string[];
}

export class AgentQuarantineDto {
  @ApiProperty({ description: 'The skill (id) it gets no tasks of' }) skill: string;
  @ApiProperty({ format: 'date-time' }) since: string;
  @ApiProperty({ format: 'date-time', description: 'When its cool-down ends' }) until: string;
  @ApiProperty({ description: 'Its Wilson lower bound for the skill when quarantined' })
  lowerBound: number;
  @ApiProperty() successes: number;
  @ApiProperty({ description: 'The outcomes it was judged on' }) samples: number;
}

export class AgentQuarantineDeferralDto {
  @ApiProperty({ description: 'The skill (id) it would be quarantined from' }) skill: string;
  @ApiProperty({ format: 'date-time', description: 'Since when it is held back' }) since: string;
  @ApiProperty({ description: 'Its Wilson lower bound for the skill, last judged' })
  lowerBound: number;
  @ApiProperty() successes: number;
  @ApiProperty({ description: 'The outcomes it was judged on' }) samples: number;
  @ApiProperty({
    enum: ['last_healthy_agent'],
    description: "Why: no other agent of the tenant can take the skill's tasks",
  })
  reason: 'last_healthy_agent';
}

export class AgentDto {
  @ApiProperty({ example: 'agent-a' }) id: string;
  @ApiProperty() name: string;
  @ApiPropertyOptional({ nullable: true, type: String }) description: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) endpoint: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) version: string | null;
  @ApiProperty({ type: [AgentSkillDto] }) skills: AgentSkillDto[];
  @ApiProperty({ type: 'object', additionalProperties: true }) labels: Record<string, unknown>;
  @ApiProperty({ enum: AGENT_STATUSES }) status: AgentStatus;
  @ApiProperty({
    type: [AgentQuarantineDto],
    description: 'Skills it is quarantined from now (POST /agents/{id}/release ends one)',
  })
  quarantines: AgentQuarantineDto[];
  @ApiProperty({
    type: [AgentQuarantineDeferralDto],
    description:
      'Skills whose outcomes warrant a quarantine it is spared, being the last agent that can ' +
      'take their tasks; quarantined once another agent can',
  })
  quarantineDeferrals: AgentQuarantineDeferralDto[];
  @ApiProperty() heartbeatIntervalSeconds: number;
  @ApiPropertyOptional({ nullable: true, type: Number }) inFlight: number | null;
  @ApiPropertyOptional({ nullable: true, type: Number }) load: number | null;
  @ApiProperty({ format: 'date-time' }) lastHeartbeatAt: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;

  static from(agent: Agent): AgentDto {
    return {
      id: agent.id,
      name: agent.name,
      description: agent.description,
      endpoint: agent.endpoint,
      version: agent.version,
      skills: (agent.skills ?? [])
        .map((skill) => ({
          id: skill.skillId,
          name: skill.name,
          description: skill.description,
          tags: skill.tags,
          examples: skill.examples,
        }))
        // Code-unit order, as discovery's SQL sorts them (COLLATE "C").
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
      labels: agent.labels,
      status: agent.status,
      quarantines: (agent.quarantines ?? []).map((q) => ({
        skill: q.skill,
        since: new Date(q.since).toISOString(),
        until: new Date(q.until).toISOString(),
        lowerBound: q.lowerBound,
        successes: q.successes,
        samples: q.samples,
      })),
      quarantineDeferrals: (agent.quarantineDeferrals ?? []).map((d) => ({
        skill: d.skill,
        since: new Date(d.since).toISOString(),
        lowerBound: d.lowerBound,
        successes: d.successes,
        samples: d.samples,
        reason: 'last_healthy_agent' as const,
      })),
      heartbeatIntervalSeconds: agent.heartbeatIntervalSeconds,
      inFlight: agent.inFlight,
      load: agent.load,
      lastHeartbeatAt: agent.lastHeartbeatAt.toISOString(),
      createdAt: agent.createdAt.toISOString(),
      updatedAt: agent.updatedAt.toISOString(),
    };
  }
}

export class HeartbeatResultDto {
  @ApiProperty({ enum: AGENT_STATUSES }) status: AgentStatus;
  @ApiProperty() nextHeartbeatSeconds: number;
}

export class LeaderboardEntryDto {
  @ApiProperty({ example: 1 }) rank: number;
  @ApiProperty() agentId: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: AGENT_STATUSES }) status: AgentStatus;
  @ApiProperty({ type: String, nullable: true, description: 'The skill asked for, if any' })
  skill: string | null;
  @ApiProperty() successes: number;
  @ApiProperty({ description: 'Failed and timed-out tasks' }) failures: number;
  @ApiProperty() total: number;
  @ApiProperty({ type: Number, nullable: true }) successRate: number | null;
  @ApiProperty({ description: 'Lower bound of the 95% Wilson interval of the success rate' })
  wilsonLowerBound: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Median claim-to-finish time in the window (within ±19%: √2-wide buckets)',
  })
  p50LatencyMs: number | null;
  @ApiProperty({
    type: [String],
    description: 'Skills (the one asked for, or any) it is quarantined from now',
  })
  quarantined: string[];
  @ApiProperty({
    type: [String],
    description:
      'Skills (the one asked for, or any) whose quarantine it is spared, being the last agent ' +
      'that can take their tasks',
  })
  quarantineDeferred: string[];
}
