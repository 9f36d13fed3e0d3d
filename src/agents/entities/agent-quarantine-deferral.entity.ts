import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A quarantine held back: the agent's outcomes for the skill would quarantine it, but no other
 * healthy agent of its tenant has the skill, so it keeps working it. Quarantined once another
 * agent can take over; dropped when its outcomes no longer warrant it (or an operator releases).
 */
@Entity('agent_quarantine_deferrals')
export class AgentQuarantineDeferral {
  @PrimaryColumn({
    name: 'tenant_id',
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'agent_quarantine_deferrals_pkey',
  })
  tenantId: string;

  @PrimaryColumn({
    name: 'agent_id',
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'agent_quarantine_deferrals_pkey',
  })
  agentId: string;

  @PrimaryColumn({
    name: 'skill_id',
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'agent_quarantine_deferrals_pkey',
  })
  skillId: string;

  /** When it was first held back (kept while it stays deferred). */
  @Column({ type: 'timestamptz', default: () => 'now()' })
  since: Date;

  /** The Wilson lower bound of its success rate over `samples` outcomes, last judged. */
  @Column({ name: 'lower_bound', type: 'double precision' })
  lowerBound: number;

  @Column({ type: 'integer' })
  successes: number;

  @Column({ type: 'integer' })
  samples: number;
}
