import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Tenant } from '../../../auth/entities/tenant.entity';

/** One event as sent: the id is the event id (`webhook-id`), the body the exact bytes signed. */
@Entity('webhook_messages')
@Index('webhook_messages_created_at', ['createdAt'])
export class WebhookMessage {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'webhook_messages_pkey' })
  id: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId: string;

  @ManyToOne(() => Tenant)
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'webhook_messages_tenant_id_fkey' })
  tenant?: Tenant;

  @Column({ name: 'event_type', type: 'varchar', length: 128 })
  eventType: string;

  @Column({ type: 'text' })
  body: string;

  @Column({ name: 'correlation_id', type: 'varchar', length: 200, nullable: true })
  correlationId: string | null;

  /** W3C traceparent of the span that the event was emitted in (tracing on); null otherwise. */
  @Column({ name: 'trace_context', type: 'varchar', length: 128, nullable: true })
  traceContext?: string | null;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt: Date;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
