import {
  Check,
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  Unique,
} from 'typeorm';
import { Tenant } from '../../../auth/entities/tenant.entity';
import { WebhookEndpoint } from './webhook-endpoint.entity';
import { WebhookMessage } from './webhook-message.entity';

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed', 'dead'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * One message to one endpoint. Due while `next_attempt_at` is set and passed; a sender holds it
 * while `leased_until` is in the future (a crashed sender's lease runs out and it is sent again).
 */
@Entity('webhook_deliveries')
@Unique('webhook_deliveries_endpoint_message_key', ['endpointId', 'messageId'])
@Check('webhook_deliveries_status_check', `"status" IN ('pending', 'succeeded', 'failed', 'dead')`)
@Index('webhook_deliveries_due', ['endpointId', 'nextAttemptAt'], {
  where: '"next_attempt_at" IS NOT NULL',
})
@Index('webhook_deliveries_tenant_id', ['tenantId', 'id'])
@Index('webhook_deliveries_tenant_created', ['tenantId', 'createdAt', 'status'])
@Index('webhook_deliveries_tenant_endpoint', ['tenantId', 'endpointId', 'id'])
@Index('webhook_deliveries_message_id', ['messageId'])
@Index('webhook_deliveries_dead', ['endpointId'], { where: `"status" = 'dead'` })
@Index('webhook_deliveries_finished', ['updatedAt'], { where: '"next_attempt_at" IS NULL' })
export class WebhookDelivery {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'webhook_deliveries_pkey' })
  id: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId: string;

  @ManyToOne(() => Tenant)
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'webhook_deliveries_tenant_id_fkey' })
  tenant?: Tenant;

  @Column({ name: 'endpoint_id', type: 'uuid' })
  endpointId: string;

  @ManyToOne(() => WebhookEndpoint, { onDelete: 'CASCADE' })
  @JoinColumn({
    name: 'endpoint_id',
    foreignKeyConstraintName: 'webhook_deliveries_endpoint_id_fkey',
  })
  endpoint?: WebhookEndpoint;

  @Column({ name: 'message_id', type: 'uuid' })
  messageId: string;

  @ManyToOne(() => WebhookMessage, { onDelete: 'CASCADE' })
  @JoinColumn({
    name: 'message_id',
    foreignKeyConstraintName: 'webhook_deliveries_message_id_fkey',
  })
  message?: WebhookMessage;

  @Column({ name: 'event_type', type: 'varchar', length: 128 })
  eventType: string;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status: DeliveryStatus;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  /** A failure at this many attempts makes the delivery dead (a manual retry allows one more). */
  @Column({ name: 'max_attempts', type: 'integer' })
  maxAttempts: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt: Date | null;

  @Column({ name: 'leased_until', type: 'timestamptz', nullable: true })
  leasedUntil: Date | null;

  @Column({ name: 'last_status_code', type: 'integer', nullable: true })
  lastStatusCode: number | null;

  @Column({ name: 'last_error', type: 'varchar', length: 2000, nullable: true })
  lastError: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;

  /**
   * Order within an ordered (`a2a_push`) endpoint: its deliveries go one at a time, lowest
   * sequence first. Null for webhook endpoints, whose deliveries go side by side.
   */
  @Column({ type: 'bigint', nullable: true })
  sequence: string | null;

  @Column({ name: 'succeeded_at', type: 'timestamptz', nullable: true })
  succeededAt: Date | null;
}
