import {
  Check,
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  OneToMany,
  PrimaryColumn,
} from 'typeorm';
import { Tenant } from '../../auth/entities/tenant.entity';
import { AgentSkill } from './agent-skill.entity';

export const AGENT_STATUSES = ['online', 'degraded', 'draining', 'offline'] as const;
/** A live quarantine of an agent for one skill, as discovery shows it. */
export interface AgentQuarantineView {
  skill: string;
  since: Date;
  until: Date;
  lowerBound: number;
  successes: number;
  samples: number;
}

/** A quarantine held back because no other agent could take the skill, as discovery shows it. */
export interface AgentQuarantineDeferralView {
  skill: string;
  since: Date;
  lowerBound: number;
  successes: number;
  samples: number;
}

export type AgentStatus = (typeof AGENT_STATUSES)[number];

@Entity('agents')
@Index('agents_tenant_status_id', ['tenantId', 'status', 'id'])
// /metrics counts agents by status across tenants (migration MetricIndexes).
@Index('agents_status', ['status'])
// Trigram GIN indexes for ?q=; TypeORM cannot describe them, so they are declared and left alone.
@Index('agents_name_trgm', { synchronize: false })
@Index('agents_description_trgm', { synchronize: false })
@Check('agents_status_check', `"status" IN ('online', 'degraded', 'draining', 'offline')`)
export class Agent {
  @PrimaryColumn({
    name: 'tenant_id',
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'agents_pkey',
  })
  tenantId: string;

  @PrimaryColumn({ type: 'varchar', length: 64, primaryKeyConstraintName: 'agents_pkey' })
  id: string;

  @ManyToOne(() => Tenant)
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'agents_tenant_id_fkey' })
  tenant?: Tenant;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'varchar', length: 2000, nullable: true })
  description: string | null;

  @Column({ type: 'varchar', length: 2048, nullable: true })
  endpoint: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  version: string | null;

  @Column({ type: 'jsonb', default: () => `'{}'` })
  labels: Record<string, unknown>;

  @Column({ name: 'heartbeat_interval_seconds', type: 'integer' })
  heartbeatIntervalSeconds: number;

  @Column({ type: 'varchar', length: 16 })
  status: AgentStatus;

  @Column({ name: 'in_flight', type: 'integer', nullable: true })
  inFlight: number | null;

  @Column({ type: 'double precision', nullable: true })
  load: number | null;

  @Column({ name: 'last_heartbeat_at', type: 'timestamptz' })
  lastHeartbeatAt: Date;

  /** Bumped on every change of the registration; the ETag. */
  @Column({ type: 'integer', default: 1 })
  revision: number;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;

  @OneToMany(() => AgentSkill, (skill) => skill.agent)
  skills?: AgentSkill[];

  /** Its live quarantines (agent_quarantines), loaded with it; not a column. */
  quarantines?: AgentQuarantineView[];

  /** Its deferred quarantines (agent_quarantine_deferrals), loaded with it; not a column. */
  quarantineDeferrals?: AgentQuarantineDeferralView[];
}
