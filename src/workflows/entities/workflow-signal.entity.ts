import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, Unique } from 'typeorm';
import { Tenant } from '../../auth/entities/tenant.entity';
import { WorkflowRun } from './workflow-run.entity';

/** A signal sent to a run: consumed by the steps that waited for it, or kept until one does. */
@Entity('workflow_signals')
@Unique('workflow_signals_run_signal', ['runId', 'signalId'])
@Index('workflow_signals_kept', ['runId', 'name', 'createdAt'], { where: '"consumed_at" IS NULL' })
export class WorkflowSignal {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'workflow_signals_pkey' })
  id: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId: string;

  @ManyToOne(() => Tenant)
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'workflow_signals_tenant_id_fkey' })
  tenant?: Tenant;

  @Column({ name: 'run_id', type: 'uuid' })
  runId: string;

  @ManyToOne(() => WorkflowRun, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'run_id', foreignKeyConstraintName: 'workflow_signals_run_id_fkey' })
  run?: WorkflowRun;

  /** The sender's id for it (generated when absent): a repeat is the same signal. */
  @Column({ name: 'signal_id', type: 'varchar', length: 128 })
  signalId: string;

  @Column({ type: 'varchar', length: 128 })
  name: string;

  @Column({ type: 'jsonb', nullable: true })
  payload: unknown;

  /** The step keys it completed. */
  @Column({ name: 'consumed_by', type: 'varchar', length: 64, array: true, default: () => `'{}'` })
  consumedBy: string[];

  @Column({ name: 'consumed_at', type: 'timestamptz', nullable: true })
  consumedAt: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
