import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The hash of the receipt of the run that an event finished, by that event's id: a
 * `workflow.succeeded|failed|cancelled` delivery carries it as `data.receiptHash`.
 */
@Entity('webhook_receipt_hashes')
@Index('webhook_receipt_hashes_created_at', ['createdAt'])
export class WebhookReceiptHash {
  @PrimaryColumn({
    name: 'event_id',
    type: 'uuid',
    primaryKeyConstraintName: 'webhook_receipt_hashes_pkey',
  })
  eventId: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId: string;

  @Column({ name: 'receipt_hash', type: 'char', length: 64 })
  receiptHash: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
