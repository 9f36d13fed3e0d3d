import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Tenant } from '../../auth/entities/tenant.entity';

/** A tenant's quarantine and outcome-routing policy; no row: the defaults (routing-policy.ts). */
@Entity('routing_settings')
@Check(
  'routing_settings_check',
  `"quarantine_threshold" >= 0 AND "quarantine_threshold" < 1
          AND "quarantine_min_samples" BETWEEN 1 AND 1000
          AND "outcome_window" BETWEEN "quarantine_min_samples" AND 1000
          AND "quarantine_cooldown_seconds" BETWEEN 1 AND 2592000
          AND "reservation_ms" BETWEEN 50 AND 60000`,
)
export class RoutingSettings {
  @PrimaryColumn({
    name: 'tenant_id',
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'routing_settings_pkey',
  })
  tenantId: string;

  @ManyToOne(() => Tenant)
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'routing_settings_tenant_id_fkey' })
  tenant?: Tenant;

  @Column({ name: 'quarantine_threshold', type: 'double precision' })
  quarantineThreshold: number;

  @Column({ name: 'quarantine_min_samples', type: 'integer' })
  quarantineMinSamples: number;

  @Column({ name: 'outcome_window', type: 'integer' })
  outcomeWindow: number;

  @Column({ name: 'quarantine_cooldown_seconds', type: 'integer' })
  quarantineCooldownSeconds: number;

  @Column({ name: 'reservation_ms', type: 'integer' })
  reservationMs: number;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
