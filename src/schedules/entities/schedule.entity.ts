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
import { Tenant } from '../../auth/entities/tenant.entity';

export const OVERLAP_POLICIES = ['skip', 'allow', 'cancel-previous'] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

/** A cron schedule that starts runs of a definition (its latest version at each tick). */
@Entity('schedules')
@Unique('schedules_tenant_key', ['tenantId', 'key'])
@Index('schedules_due', ['nextFireAt'], { where: '"enabled"' })
@Check('schedules_overlap_check', `"overlap" IN ('skip', 'allow', 'cancel-previous')`)
export class Schedule {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'schedules_pkey' })
  id: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId: string;

  @ManyToOne(() => Tenant)
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'schedules_tenant_id_fkey' })
  tenant?: Tenant;

  @Column({ type: 'varchar', length: 64 })
  key: string;

  @Column({ name: 'definition_key', type: 'varchar', length: 64 })
  definitionKey: string;

  @Column({ type: 'varchar', length: 120 })
  cron: string;

  @Column({ type: 'varchar', length: 64, default: 'UTC' })
  timezone: string;

  @Column({ type: 'jsonb', nullable: true })
  input: Record<string, unknown> | null;

  @Column({ type: 'varchar', length: 16, default: 'skip' })
  overlap: OverlapPolicy;

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  /** The next tick to fire; in the past after downtime (it then fires once, at recovery). */
  @Column({ name: 'next_fire_at', type: 'timestamptz', nullable: true })
  nextFireAt: Date | null;

  @Column({ name: 'last_fired_at', type: 'timestamptz', nullable: true })
  lastFiredAt: Date | null;

  /** The run the last started tick made: what `skip` and `cancel-previous` look at. */
  @Column({ name: 'last_run_id', type: 'uuid', nullable: true })
  lastRunId: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
