import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { WorkflowTask } from './workflow-task.entity';

/**
 * A waiting step's index entry: the event type (or `*` pattern) it waits for and the key of
 * what its `match` expects, so an event finds its waiters by an index lookup, not a scan.
 */
@Entity('workflow_event_waits')
@Index('workflow_event_waits_lookup', ['tenantId', 'eventType', 'matchKey'])
export class WorkflowEventWait {
  @PrimaryColumn({
    name: 'task_id',
    type: 'uuid',
    primaryKeyConstraintName: 'workflow_event_waits_pkey',
  })
  taskId: string;

  @ManyToOne(() => WorkflowTask, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'task_id', foreignKeyConstraintName: 'workflow_event_waits_task_id_fkey' })
  task?: WorkflowTask;

  @Column({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId: string;

  @Column({ name: 'run_id', type: 'uuid' })
  runId: string;

  @Column({ name: 'event_type', type: 'varchar', length: 128 })
  eventType: string;

  /** sha256 (hex) of the paths and the values they must hold; see `matchKey`. */
  @Column({ name: 'match_key', type: 'varchar', length: 64 })
  matchKey: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}

/** Which data paths the waits of an event type compare: an event is keyed once per shape. */
@Entity('workflow_event_wait_shapes')
export class WorkflowEventWaitShape {
  @PrimaryColumn({
    name: 'tenant_id',
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'workflow_event_wait_shapes_pkey',
  })
  tenantId: string;

  @PrimaryColumn({
    name: 'event_type',
    type: 'varchar',
    length: 128,
    primaryKeyConstraintName: 'workflow_event_wait_shapes_pkey',
  })
  eventType: string;

  @PrimaryColumn({
    type: 'text',
    array: true,
    primaryKeyConstraintName: 'workflow_event_wait_shapes_pkey',
  })
  paths: string[];

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
