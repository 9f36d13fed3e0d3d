import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Tenant } from '../../auth/entities/tenant.entity';

/**
 * The usage ledger: one row per report an agent sent with a completion or a progress report,
 * with what it is attributed to (run, definition, step, skill, agent, model). The usage report
 * sums it by tenant and period; runs and tasks keep running totals of their own.
 */
@Entity('usage_records')
@Index('usage_records_tenant_time', ['tenantId', 'occurredAt'])
@Check('usage_records_source_check', `"source" IN ('complete', 'progress')`)
@Check(
  'usage_records_tokens_check',
  `"input_tokens" >= 0 AND "output_tokens" >= 0 AND
                 ("cost_usd" IS NULL OR "cost_usd" >= 0)`,
)
export class UsageRecord {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'usage_records_pkey' })
  id: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId: string;

  @ManyToOne(() => Tenant)
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'usage_records_tenant_id_fkey' })
  tenant?: Tenant;

  @Column({ name: 'occurred_at', type: 'timestamptz', default: () => 'now()' })
  occurredAt: Date;

  @Column({ name: 'run_id', type: 'uuid' })
  runId: string;

  @Column({ name: 'task_id', type: 'uuid' })
  taskId: string;

  @Column({ name: 'definition_key', type: 'varchar', length: 64 })
  definitionKey: string;

  @Column({ name: 'step_key', type: 'varchar', length: 64 })
  stepKey: string;

  @Column({ type: 'varchar', length: 64 })
  skill: string;

  @Column({ name: 'agent_id', type: 'varchar', length: 64, nullable: true })
  agentId: string | null;

  @Column({ type: 'integer' })
  attempt: number;

  @Column({ type: 'varchar', length: 16 })
  source: 'complete' | 'progress';

  @Column({ type: 'varchar', length: 128, nullable: true })
  model: string | null;

  @Column({ name: 'input_tokens', type: 'bigint' })
  inputTokens: string;

  @Column({ name: 'output_tokens', type: 'bigint' })
  outputTokens: string;

  @Column({ name: 'cost_usd', type: 'numeric', precision: 20, scale: 9, nullable: true })
  costUsd: string | null;
}
