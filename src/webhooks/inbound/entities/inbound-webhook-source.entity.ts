import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Tenant } from '../../../auth/entities/tenant.entity';
import type { OlderSecret } from '../../secret-overlap';

/**
 * A Standard Webhooks sender of one tenant. Its key is unique across tenants: the receiving
 * route `/hooks/{key}` carries no tenant, so the key alone must name the source.
 */
@Entity('inbound_webhook_sources')
@Index('inbound_webhook_sources_tenant_key', ['tenantId', 'key'])
@Check('inbound_webhook_sources_tolerance_check', `"tolerance_seconds" BETWEEN 1 AND 86400`)
export class InboundWebhookSource {
  @PrimaryColumn({
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'inbound_webhook_sources_pkey',
  })
  key: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId: string;

  @ManyToOne(() => Tenant)
  @JoinColumn({
    name: 'tenant_id',
    foreignKeyConstraintName: 'inbound_webhook_sources_tenant_id_fkey',
  })
  tenant?: Tenant;

  @Column({ type: 'varchar', length: 500, nullable: true })
  description: string | null;

  /** `whsec_<base64>`: kept as is, since verifying an HMAC needs the key itself. */
  @Column({ type: 'varchar', length: 200 })
  secret: string;

  /** The secret before the last rotation, still accepted until `previousSecretExpiresAt`. */
  @Column({ name: 'previous_secret', type: 'varchar', length: 200, nullable: true })
  previousSecret: string | null;

  @Column({ name: 'previous_secret_expires_at', type: 'timestamptz', nullable: true })
  previousSecretExpiresAt: Date | null;

  /** Secrets retired before the previous one, each accepted until its own overlap ends. */
  @Column({ name: 'older_secrets', type: 'jsonb', default: () => `'[]'` })
  olderSecrets: OlderSecret[];

  /** Empty: any address may deliver. */
  @Column({ name: 'allowed_cidrs', type: 'text', array: true, default: () => `'{}'` })
  allowedCidrs: string[];

  @Column({ name: 'tolerance_seconds', type: 'integer', default: 300 })
  toleranceSeconds: number;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
