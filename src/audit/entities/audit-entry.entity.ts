import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One audited change, written in the transaction of the change itself; never updated. */
@Entity('audit_entries')
@Index('audit_entries_txid_id', ['txid', 'id'])
@Index('audit_entries_tenant_occurred', ['tenantId', 'occurredAt', 'id'])
@Index('audit_entries_tenant_resource', [
  'tenantId',
  'resourceType',
  'resourceId',
  'occurredAt',
  'id',
])
export class AuditEntry {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 64, nullable: true })
  tenantId: string | null;

  /** A fixed-format UTC string (microseconds), so the hashed bytes never depend on a driver. */
  @Column({ name: 'occurred_at', type: 'varchar', length: 32 })
  occurredAt: string;

  @Column({ name: 'actor_type', type: 'varchar', length: 16 })
  actorType: string;

  @Column({ name: 'actor_id', type: 'varchar', length: 128 })
  actorId: string;

  @Column({ type: 'varchar', length: 64 })
  action: string;

  @Column({ name: 'resource_type', type: 'varchar', length: 64 })
  resourceType: string;

  @Column({ name: 'resource_id', type: 'varchar', length: 200 })
  resourceId: string;

  @Column({ name: 'correlation_id', type: 'varchar', length: 200, nullable: true })
  correlationId: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true })
  userAgent: string | null;

  @Column({ type: 'jsonb', nullable: true })
  before: unknown;

  @Column({ type: 'jsonb', nullable: true })
  after: unknown;

  /** pg_current_xact_id() of the writing transaction: the sealer's commit-order watermark. */
  @Column({ type: 'bigint' })
  txid: string;
}
