import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Tenant } from '../../auth/entities/tenant.entity';

/**
 * One domain event; the dispatcher hands it to every handler once, while it is in the outbox
 * (`event_outbox`). Written once: dispatching it does not change its row.
 */
@Entity('events')
@Index('events_subject', ['tenantId', 'subjectType', 'subjectId', 'position'])
@Index('events_position', ['position'])
export class DomainEventRow {
  /** Insert order: the order of a subject's history. */
  @Column({ type: 'bigint', generated: 'identity', generatedIdentity: 'ALWAYS' })
  position: string;

  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'events_pkey' })
  id: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 64, nullable: true })
  tenantId: string | null;

  /** Not checked against `tenants` on insert (TenantKeyChecksOffHotInserts migration). */
  @ManyToOne(() => Tenant, { createForeignKeyConstraints: false })
  @JoinColumn({ name: 'tenant_id' })
  tenant?: Tenant;

  @Column({ type: 'varchar', length: 128 })
  type: string;

  @Column({ name: 'occurred_at', type: 'timestamptz', default: () => 'clock_timestamp()' })
  occurredAt: Date;

  @Column({ name: 'subject_type', type: 'varchar', length: 64 })
  subjectType: string;

  @Column({ name: 'subject_id', type: 'varchar', length: 200 })
  subjectId: string;

  @Column({ type: 'jsonb' })
  data: unknown;

  @Column({ name: 'correlation_id', type: 'varchar', length: 200, nullable: true })
  correlationId: string | null;

  /** W3C traceparent of the span that emitted the event (tracing on); null otherwise. */
  @Column({ name: 'trace_context', type: 'varchar', length: 128, nullable: true })
  traceContext?: string | null;

  /** Handler failures so far (MAX_ATTEMPTS of them set the event aside). */
  @Column({ name: 'dispatch_attempts', type: 'integer', default: 0 })
  dispatchAttempts: number;

  /** The last failure's message. */
  @Column({ name: 'dispatch_error', type: 'varchar', length: 2000, nullable: true })
  dispatchError: string | null;
}
