import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Tenant } from '../../auth/entities/tenant.entity';
import { WorkflowTask } from './workflow-task.entity';

/**
 * A task's latest progress report. `emittedAt`: when its last `task.progress` event was
 * written; `pending`: the latest report is newer than that event (a trailing write owes it).
 */
@Entity('task_progress')
export class TaskProgress {
  @PrimaryColumn({ name: 'task_id', type: 'uuid', primaryKeyConstraintName: 'task_progress_pkey' })
  taskId: string;

  @ManyToOne(() => WorkflowTask, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'task_id', foreignKeyConstraintName: 'task_progress_task_id_fkey' })
  task?: WorkflowTask;

  @Column({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId: string;

  @ManyToOne(() => Tenant)
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'task_progress_tenant_id_fkey' })
  tenant?: Tenant;

  @Column({ name: 'run_id', type: 'uuid' })
  runId: string;

  @Column({ type: 'integer' })
  attempt: number;

  @Column({ type: 'jsonb' })
  progress: unknown;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'emitted_at', type: 'timestamptz' })
  emittedAt: Date;

  @Column({ type: 'boolean', default: false })
  pending: boolean;
}
