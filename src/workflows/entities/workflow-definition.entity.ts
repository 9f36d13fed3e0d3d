import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Tenant } from '../../auth/entities/tenant.entity';
import type { ConcurrencySpec } from '../concurrency';
import type { StepSpec, TriggerSpec } from '../dag';

/** One immutable version of a workflow definition. */
@Entity('workflow_definitions')
export class WorkflowDefinition {
  @PrimaryColumn({
    name: 'tenant_id',
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'workflow_definitions_pkey',
  })
  tenantId: string;

  @PrimaryColumn({
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'workflow_definitions_pkey',
  })
  key: string;

  @PrimaryColumn({ type: 'integer', primaryKeyConstraintName: 'workflow_definitions_pkey' })
  version: number;

  @ManyToOne(() => Tenant)
  @JoinColumn({
    name: 'tenant_id',
    foreignKeyConstraintName: 'workflow_definitions_tenant_id_fkey',
  })
  tenant?: Tenant;

  @Column({ type: 'varchar', length: 200, nullable: true })
  name: string | null;

  @Column({ type: 'jsonb' })
  steps: StepSpec[];

  @Column({ type: 'jsonb', default: () => `'[]'` })
  triggers: TriggerSpec[];

  /** At most `limit` runs per value of `key` at once; null: no limit. */
  @Column({ type: 'jsonb', nullable: true })
  concurrency: ConcurrencySpec | null;
  /** A github step run once a run has finished (its key `onFinish`); null: none. */
  @Column({ name: 'on_finish', type: 'jsonb', nullable: true })
  onFinish: StepSpec | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
