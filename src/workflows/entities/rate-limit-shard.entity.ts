import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { RateLimit } from './rate-limit.entity';

/**
 * One sub-bucket of a rate limit: a token bucket of the limit's burst and rate divided by its
 * number of sub-buckets (see rate-limit-shards.ts). `tokens` is the content at `refilledAt`;
 * the claim statement adds what the time since earned (never above `burst`) and takes the
 * units of the tasks it leases, under this row's lock.
 */
@Entity('rate_limit_shards')
@Check(
  'rate_limit_shards_values_check',
  `"shard" >= 0 AND "per_minute" > 0 AND "burst" > 0 AND "tokens" >= 0 AND "tokens" <= "burst"`,
)
export class RateLimitShard {
  @PrimaryColumn({
    name: 'tenant_id',
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'rate_limit_shards_pkey',
  })
  tenantId: string;

  @PrimaryColumn({
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'rate_limit_shards_pkey',
  })
  key: string;

  @PrimaryColumn({ type: 'smallint', primaryKeyConstraintName: 'rate_limit_shards_pkey' })
  shard: number;

  @ManyToOne(() => RateLimit, { onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'tenant_id',
      referencedColumnName: 'tenantId',
      foreignKeyConstraintName: 'rate_limit_shards_limit_fkey',
    },
    {
      name: 'key',
      referencedColumnName: 'key',
      foreignKeyConstraintName: 'rate_limit_shards_limit_fkey',
    },
  ])
  limit?: RateLimit;

  /** This sub-bucket's share of the limit's rate. */
  @Column({ name: 'per_minute', type: 'double precision' })
  perMinute: number;

  /** This sub-bucket's share of the limit's burst: its size. */
  @Column({ type: 'double precision' })
  burst: number;

  @Column({ type: 'double precision' })
  tokens: number;

  @Column({ name: 'refilled_at', type: 'timestamptz', default: () => 'now()' })
  refilledAt: Date;
}
