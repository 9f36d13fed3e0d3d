import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** An agent kept from one skill's tasks until `until`, and the measure that put it there. */
@Entity('agent_quarantines')
@Index('agent_quarantines_until', ['until'])
export class AgentQuarantine {
  @PrimaryColumn({
    name: 'tenant_id',
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'agent_quarantines_pkey',
  })
  tenantId: string;

  @PrimaryColumn({
    name: 'agent_id',
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'agent_quarantines_pkey',
  })
  agentId: string;

  @PrimaryColumn({
    name: 'skill_id',
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'agent_quarantines_pkey',
  })
  skillId: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  since: Date;

  @Column({ type: 'timestamptz' })
  until: Date;

  /** The Wilson lower bound of its success rate over `samples` outcomes when quarantined. */
  @Column({ name: 'lower_bound', type: 'double precision' })
  lowerBound: number;

  @Column({ type: 'integer' })
  successes: number;

  @Column({ type: 'integer' })
  samples: number;
}
