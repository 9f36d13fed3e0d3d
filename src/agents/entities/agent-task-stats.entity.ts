import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * Task outcomes of one agent for one skill in one hour, counted from the workflows module's
 * `task.succeeded|failed|timed_out` events. Kept after an agent deregisters (history), but the
 * leaderboard only ranks agents that exist.
 */
@Entity('agent_task_stats')
@Index('agent_task_stats_agent', ['tenantId', 'agentId', 'hour'])
export class AgentTaskStats {
  @PrimaryColumn({
    name: 'tenant_id',
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'agent_task_stats_pkey',
  })
  tenantId: string;

  @PrimaryColumn({ type: 'timestamptz', primaryKeyConstraintName: 'agent_task_stats_pkey' })
  hour: Date;

  @PrimaryColumn({
    name: 'skill_id',
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'agent_task_stats_pkey',
  })
  skillId: string;

  @PrimaryColumn({
    name: 'agent_id',
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'agent_task_stats_pkey',
  })
  agentId: string;

  @Column({ type: 'integer', default: 0 })
  succeeded: number;

  @Column({ type: 'integer', default: 0 })
  failed: number;

  /** Task durations counted in buckets growing by √2 (see latency-histogram.ts), for the p50. */
  @Column({ name: 'latency_histogram', type: 'integer', array: true, default: () => "'{}'" })
  latencyHistogram: number[];
}
