import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Tenant } from '../../auth/entities/tenant.entity';
import { WorkflowRun } from './workflow-run.entity';

/** A finished run's signed receipt: one per finish (a retried run that finishes again gets another). */
@Entity('workflow_receipts')
export class WorkflowReceipt {
  @PrimaryColumn({
    name: 'run_id',
    type: 'uuid',
    primaryKeyConstraintName: 'workflow_receipts_pkey',
  })
  runId: string;

  @ManyToOne(() => WorkflowRun, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'run_id', foreignKeyConstraintName: 'workflow_receipts_run_id_fkey' })
  run?: WorkflowRun;

  @PrimaryColumn({
    name: 'finished_at',
    type: 'timestamptz',
    primaryKeyConstraintName: 'workflow_receipts_pkey',
  })
  finishedAt: Date;

  @Column({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId: string;

  @ManyToOne(() => Tenant)
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'workflow_receipts_tenant_id_fkey' })
  tenant?: Tenant;

  @Column({ type: 'jsonb' })
  receipt: unknown;

  @Column({ type: 'varchar', length: 128 })
  signature: string;

  @Column({ name: 'key_id', type: 'varchar', length: 16 })
  keyId: string;

  @Column({ name: 'public_key', type: 'varchar', length: 64 })
  publicKey: string;

  @Column({ name: 'receipt_hash', type: 'char', length: 64 })
  receiptHash: string;

  @Column({ name: 'issued_at', type: 'timestamptz', default: () => 'now()' })
  issuedAt: Date;
}

/** A finished run whose receipt is not issued yet (its audit entries may still be unsealed). */
@Entity('workflow_receipt_queue')
@Index('workflow_receipt_queue_due', ['nextTryAt'])
export class WorkflowReceiptQueueItem {
  @PrimaryColumn({
    name: 'run_id',
    type: 'uuid',
    primaryKeyConstraintName: 'workflow_receipt_queue_pkey',
  })
  runId: string;

  @ManyToOne(() => WorkflowRun, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'run_id', foreignKeyConstraintName: 'workflow_receipt_queue_run_id_fkey' })
  run?: WorkflowRun;

  /** The domain event that finished the run: the receipt's event names it for webhooks. */
  @Column({ name: 'event_id', type: 'uuid' })
  eventId: string;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @Column({ name: 'next_try_at', type: 'timestamptz', default: () => 'now()' })
  nextTryAt: Date;

  @Column({ name: 'last_error', type: 'varchar', length: 2000, nullable: true })
  lastError: string | null;
}
