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

export const INBOUND_STATUSES = ['accepted', 'rejected'] as const;
export type InboundStatus = (typeof INBOUND_STATUSES)[number];

/** One delivery received, its body byte for byte. Append-only (triggers refuse changes). */
@Entity('inbound_webhooks')
@Unique('inbound_webhooks_delivery_unique', ['tenantId', 'source', 'deliveryId'])
@Index('inbound_webhooks_tenant_id', ['tenantId', 'id'])
@Index('inbound_webhooks_tenant_source_id', ['tenantId', 'source', 'id'])
@Check('inbound_webhooks_status_check', `"status" IN ('accepted', 'rejected')`)
export class InboundWebhook {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'inbound_webhooks_pkey' })
  id: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId: string;

  @ManyToOne(() => Tenant)
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'inbound_webhooks_tenant_id_fkey' })
  tenant?: Tenant;

  /** `github` or a source key. */
  @Column({ type: 'varchar', length: 64 })
  source: string;

  /** `X-GitHub-Delivery` or `webhook-id`. */
  @Column({ name: 'delivery_id', type: 'varchar', length: 200 })
  deliveryId: string;

  /** `X-GitHub-Event`, or the body's `type` for Standard Webhooks (`received` without one). */
  @Column({ type: 'varchar', length: 128 })
  event: string;

  @Column({ type: 'varchar', length: 16 })
  status: InboundStatus;

  /** Why a signed delivery was refused (malformed JSON, ...). */
  @Column({ type: 'varchar', length: 500, nullable: true })
  reason: string | null;

  /** The headers that matter (signature, ids, event, content type, user agent). */
  @Column({ type: 'jsonb' })
  headers: Record<string, string>;

  @Column({ type: 'bytea' })
  body: Buffer;

  @Column({ name: 'source_ip', type: 'varchar', length: 64, nullable: true })
  sourceIp: string | null;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt: Date;
}
