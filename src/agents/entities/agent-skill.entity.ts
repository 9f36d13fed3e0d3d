import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Agent } from './agent.entity';

@Entity('agent_skills')
@Index('agent_skills_tenant_skill', ['tenantId', 'skillId', 'agentId'])
@Index('agent_skills_tenant_name', ['tenantId', 'nameKey', 'agentId'])
// A GIN index on tags; TypeORM cannot describe GIN, so it is declared and left alone.
@Index('agent_skills_tags', { synchronize: false })
export class AgentSkill {
  @PrimaryColumn({
    name: 'tenant_id',
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'agent_skills_pkey',
  })
  tenantId: string;

  @PrimaryColumn({
    name: 'agent_id',
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'agent_skills_pkey',
  })
  agentId: string;

  @PrimaryColumn({
    name: 'skill_id',
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'agent_skills_pkey',
  })
  skillId: string;

  @ManyToOne(() => Agent, (agent) => agent.skills, { onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'tenant_id',
      referencedColumnName: 'tenantId',
      foreignKeyConstraintName: 'agent_skills_agent_fkey',
    },
    {
      name: 'agent_id',
      referencedColumnName: 'id',
      foreignKeyConstraintName: 'agent_skills_agent_fkey',
    },
  ])
  agent?: Agent;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  /** Lower-cased name, so `?skill=` finds a skill by id or name through an index. */
  @Column({ name: 'name_key', type: 'varchar', length: 200 })
  nameKey: string;

  @Column({ type: 'varchar', length: 2000, nullable: true })
  description: string | null;

  @Column({ type: 'text', array: true, default: () => `'{}'` })
  tags: string[];

  @Column({ type: 'text', array: true, default: () => `'{}'` })
  examples: string[];
}
