import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Tenant } from '../../auth/entities/tenant.entity';

/** A definition key whose dispatch is paused: its queued tasks stay queued, none is claimed. */
@Entity('workflow_definition_pauses')
export class DefinitionPause {
  @PrimaryColumn({
    name: 'tenant_id',
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'workflow_definition_pauses_pkey',
  })
  tenantId: string;

  @PrimaryColumn({
    name: 'definition_key',
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'workflow_definition_pauses_pkey',
  })
  definitionKey: string;

  @ManyToOne(() => Tenant)
  @JoinColumn({
    name: 'tenant_id',
    foreignKeyConstraintName: 'workflow_definition_pauses_tenant_id_fkey',
  })
  tenant?: Tenant;

  @Column({ name: 'paused_at', type: 'timestamptz', default: () => 'now()' })
  pausedAt: Date;
}
