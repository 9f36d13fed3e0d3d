import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * An agent's latest outcomes for one skill (true: succeeded), oldest first, at most the tenant's
 * `outcomeWindow`: what quarantine and outcome routing judge it by. Emptied when a quarantine
 * ends, so a released agent starts a fresh window.
 */
@Entity('agent_skill_outcomes')
export class AgentSkillOutcomes {
  @PrimaryColumn({
    name: 'tenant_id',
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'agent_skill_outcomes_pkey',
  })
  tenantId: string;

  @PrimaryColumn({
    name: 'agent_id',
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'agent_skill_outcomes_pkey',
  })
  agentId: string;

  @PrimaryColumn({
    name: 'skill_id',
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'agent_skill_outcomes_pkey',
  })
  skillId: string;

  @Column({ type: 'boolean', array: true, default: () => "'{}'" })
  recent: boolean[];
}
