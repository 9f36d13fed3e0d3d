import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * An agent whose claim waits for work (long-poll), until when: the candidates an outcome-routed
 * task is drawn among, the same for every replica.
 */
@Entity('agent_claim_waits')
export class ClaimWait {
  @PrimaryColumn({
    name: 'tenant_id',
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'agent_claim_waits_pkey',
  })
  tenantId: string;

  @PrimaryColumn({
    name: 'agent_id',
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'agent_claim_waits_pkey',
  })
  agentId: string;

  @Column({ type: 'timestamptz' })
  until: Date;
}
