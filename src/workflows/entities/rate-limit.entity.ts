import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Tenant } from '../../auth/entities/tenant.entity';

/**
 * A rate limit shared by the fleet: a token bucket of `burst` tokens refilled at `perMinute`, as
 * configured. Its content lives in its sub-buckets (RateLimitShard), which the claim statement
 * refills and takes from.
 */
@Entity('rate_limits')
@Check('rate_limits_values_check', `"per_minute" > 0 AND "burst" >= 1`)
export class RateLimit {
  @PrimaryColumn({
    name: 'tenant_id',
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'rate_limits_pkey',
  })
  tenantId: string;

  @ManyToOne(() => Tenant)
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'rate_limits_tenant_id_fkey' })
  tenant?: Tenant;

  @PrimaryColumn({ type: 'varchar', length: 64, primaryKeyConstraintName: 'rate_limits_pkey' })
  key: string;

  @Column({ name: 'per_minute', type: 'double precision' })
  perMinute: number;

  @Column({ type: 'double precision' })
  burst: number;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
