import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Tenant } from '../../../auth/entities/tenant.entity';
import type { OlderSecret } from '../../secret-overlap';

/** Why an endpoint is off: by a user, by a 410 answer, or after failing for too long. */
export const DISABLED_REASONS = ['manual', 'gone', 'failing'] as const;
export type DisabledReason = (typeof DISABLED_REASONS)[number];

/**
 * `webhook`: receives the domain events its patterns match (the webhooks API). `a2a_push`: an
 * A2A push notification config's receiver: gets only what the A2A module queues for it, one at
 * a time in order, and is managed through the A2A routes, never the webhooks API.
 */
export const ENDPOINT_KINDS = ['webhook', 'a2a_push'] as const;
export type EndpointKind = (typeof ENDPOINT_KINDS)[number];

/** A receiver of signed webhooks, with its secrets and its circuit-breaker state. */
@Entity('webhook_endpoints')
@Index('webhook_endpoints_tenant_id', ['tenantId', 'id'])
@Check('webhook_endpoints_kind_check', `"kind" IN ('webhook', 'a2a_push')`)
export class WebhookEndpoint {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'webhook_endpoints_pkey' })
  id: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId: string;

  @ManyToOne(() => Tenant)
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'webhook_endpoints_tenant_id_fkey' })
  tenant?: Tenant;

  @Column({ type: 'varchar', length: 2048 })
  url: string;

  @Column({ type: 'varchar', length: 500, nullable: true })
  description: string | null;

  @Column({ name: 'event_types', type: 'text', array: true })
  eventTypes: string[];

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  @Column({ name: 'disabled_reason', type: 'varchar', length: 16, nullable: true })
  disabledReason: DisabledReason | null;

  @Column({ type: 'varchar', length: 128 })
  secret: string;

  /** The secret before the last rotation; it keeps signing until it expires. */
  @Column({ name: 'previous_secret', type: 'varchar', length: 128, nullable: true })
  previousSecret: string | null;

  @Column({ name: 'previous_secret_expires_at', type: 'timestamptz', nullable: true })
  previousSecretExpiresAt: Date | null;

  /** Secrets retired before the previous one, each signing until its own overlap ends. */
  @Column({ name: 'older_secrets', type: 'jsonb', default: () => `'[]'` })
  olderSecrets: OlderSecret[];

  @Column({ name: 'consecutive_failures', type: 'integer', default: 0 })
  consecutiveFailures: number;

  /** First failure of the current run of failures; null while the endpoint answers 2xx. */
  @Column({ name: 'failing_since', type: 'timestamptz', nullable: true })
  failingSince: Date | null;

  @Column({ name: 'breaker_open_until', type: 'timestamptz', nullable: true })
  breakerOpenUntil: Date | null;

  @Column({ type: 'varchar', length: 16, default: 'webhook' })
  kind: EndpointKind;

  /** Request headers sent besides ours (an A2A config's token and Authorization); never ours. */
  @Column({ type: 'jsonb', nullable: true })
  headers: Record<string, string> | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
