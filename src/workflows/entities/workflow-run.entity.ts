import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Tenant } from '../../auth/entities/tenant.entity';
import type { ConcurrencyState, ConcurrencyStrategy } from '../concurrency';
import type { StepSpec } from '../dag';
import type { RunStatus } from '../state-machine';
import type { Budget, UsageTotals } from '../usage/usage';

@Entity('workflow_runs')
@Index('workflow_runs_tenant_id', ['tenantId', 'id'])
@Index('workflow_runs_tenant_status', ['tenantId', 'status', 'id'])
@Index('workflow_runs_tenant_type', ['tenantId', 'type', 'id'])
@Index('workflow_runs_trigger', ['tenantId', 'type', 'triggerKey'], {
  unique: true,
  where: '"trigger_key" IS NOT NULL',
})
@Index('workflow_runs_tenant_created', ['tenantId', 'createdAt', 'status'])
// /metrics counts unfinished runs by status (migration MetricIndexes).
@Index('workflow_runs_unfinished', ['status', 'tenantId', 'type'], {
  where: `status IN ('scheduled', 'pending', 'running', 'budget_exceeded')`,
})
@Index('workflow_runs_tenant_finished', ['tenantId', 'finishedAt', 'status'], {
  where: '"finished_at" IS NOT NULL',
})
@Index('workflow_runs_start_at', ['startAt'], { where: `"status" = 'scheduled'` })
@Index(
  'workflow_runs_concurrency',
  ['tenantId', 'type', 'concurrencyKey', 'concurrencyState', 'concurrencySince', 'id'],
  {
    where: `"concurrency_state" IS NOT NULL AND "status" IN ('pending', 'running', 'budget_exceeded')`,
  },
)
@Index('workflow_runs_budgeted', ['startedAt'], {
  where: `"budget" IS NOT NULL AND "status" = 'running'`,
})
// Checked by functions (migration CompiledRowChecks): 'waiting' or 'holding'; 'scheduled',
// 'pending', 'running', 'budget_exceeded', 'succeeded', 'failed' or 'cancelled'.
@Check(
  'workflow_runs_concurrency_state_check',
  `workflow_run_concurrency_state_valid("concurrency_state")`,
)
@Check('workflow_runs_status_check', `workflow_run_status_valid("status")`)
export class WorkflowRun {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'workflow_runs_pkey' })
  id: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId: string;

  @ManyToOne(() => Tenant)
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'workflow_runs_tenant_id_fkey' })
  tenant?: Tenant;

  /** The definition key, or the `type` of an inline run. */
  @Column({ type: 'varchar', length: 64 })
  type: string;

  /** Null for an inline run. */
  @Column({ name: 'definition_version', type: 'integer', nullable: true })
  definitionVersion: number | null;

  @Column({ type: 'varchar', length: 16 })
  status: RunStatus;

  @Column({ type: 'integer', default: 0 })
  priority: number;

  @Column({ type: 'jsonb', nullable: true })
  input: unknown;

  /** The steps as they were when the run started (definitions change; runs do not). */
  @Column({ type: 'jsonb' })
  steps: StepSpec[];

  /** The definition's `onFinish` step as it was when the run started; null: none. */
  @Column({ name: 'on_finish', type: 'jsonb', nullable: true })
  onFinish: StepSpec | null;

  @Column({ type: 'jsonb', nullable: true })
  output: unknown;

  @Column({ type: 'jsonb', nullable: true })
  error: unknown;

  /** W3C traceparent of the span that started the run (`invoke_workflow`) (tracing on); null otherwise. */
  @Column({ name: 'trace_context', type: 'varchar', length: 128, nullable: true })
  traceContext?: string | null;

  @Column({ name: 'trigger_key', type: 'varchar', length: 300, nullable: true })
  triggerKey: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  /** A delayed start: the run waits `scheduled` until then. */
  @Column({ name: 'start_at', type: 'timestamptz', nullable: true })
  startAt: Date | null;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;

  /** The value of its definition's concurrency key (canonical JSON); null: no key. */
  @Column({ name: 'concurrency_key', type: 'text', nullable: true })
  concurrencyKey: string | null;

  @Column({ name: 'concurrency_limit', type: 'integer', nullable: true })
  concurrencyLimit: number | null;

  @Column({ name: 'concurrency_strategy', type: 'varchar', length: 24, nullable: true })
  concurrencyStrategy: ConcurrencyStrategy | null;

  /** Waiting for a slot of its key, or holding one; null before it arrives (or with no key). */
  @Column({ name: 'concurrency_state', type: 'varchar', length: 8, nullable: true })
  concurrencyState: ConcurrencyState | null;

  /** When it took its place in the key's queue (the queue's order) or its slot. */
  @Column({ name: 'concurrency_since', type: 'timestamptz', nullable: true })
  concurrencySince: Date | null;

  /** What its tasks' holders reported, summed; null until the first report. */
  @Column({ type: 'jsonb', nullable: true })
  usage: UsageTotals | null;

  /** Limits on that usage and on its wall-clock time; null: none. */
  @Column({ type: 'jsonb', nullable: true })
  budget: Budget | null;
}
