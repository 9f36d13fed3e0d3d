import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Tenant } from '../../auth/entities/tenant.entity';
import type { UsageTotals } from '../usage/usage';
import type { RetryBackoff, TaskKind } from '../dag';
import type { TaskStatus } from '../state-machine';
import { WorkflowRun } from './workflow-run.entity';

/**
 * One step of a run once its dependencies succeeded; its attempts reuse the row. A fan-out step
 * (`forEach`) has its own row (kind `fanout`) and one task row per element (`elementIndex`).
 */
@Entity('workflow_tasks')
@Index('workflow_tasks_run_step', ['runId', 'stepKey'], {
  unique: true,
  where: `"element_index" IS NULL`,
})
@Index('workflow_tasks_run_step_element', ['runId', 'stepKey', 'elementIndex'], {
  unique: true,
  where: `"element_index" IS NOT NULL`,
})
// priority DESC cannot be said in the decorator: the migration owns this one.
@Index('workflow_tasks_queue', { synchronize: false })
@Index('workflow_tasks_leases', ['leaseExpiresAt'], { where: `"status" = 'claimed'` })
@Index('workflow_tasks_agent', ['tenantId', 'agentId'], { where: `"status" = 'claimed'` })
@Index('workflow_tasks_agent_recent', ['tenantId', 'agentId', 'claimedAt', 'id'], {
  where: `"agent_id" IS NOT NULL`,
})
@Index('workflow_tasks_run', ['runId'])
@Index('workflow_tasks_wake', ['wakeAt'], { where: `"status" = 'waiting'` })
@Index('workflow_tasks_rate_limited', { synchronize: false })
@Index('workflow_tasks_fair_flow', ['tenantId', 'fairFlow', 'fairAt'], {
  where: `"status" = 'queued' AND "fair_flow" IS NOT NULL`,
})
@Index('workflow_tasks_fair_head', ['tenantId', 'skill', 'fairAt'], {
  where: `"status" = 'queued' AND "fair_flow" IS NOT NULL`,
})
@Check(
  'workflow_tasks_rate_units_check',
  `("rate_limit_key" IS NULL) = ("rate_units" IS NULL) AND "rate_units" > 0`,
)
@Index('workflow_tasks_github_due', ['wakeAt'], {
  where: `"status" = 'waiting' AND "kind" = 'github'`,
})
@Check('workflow_tasks_reserved_check', `("reserved_for" IS NULL) = ("reserved_until" IS NULL)`)
// Checked by functions (migration CompiledRowChecks): the status one of 'queued', 'held',
// 'claimed', 'waiting', 'succeeded', 'failed', 'cancelled', 'timed_out'; the kind one of 'task',
// 'wait', 'approval', 'sleep', 'fanout', 'github', where only a task is queued, held or claimed
// and a task is never waiting; a fan-out element (index 0-999) only of a task, an element count
// (0-1000) only of a fan-out.
@Check('workflow_tasks_status_check', `workflow_task_status_valid("status")`)
@Check('workflow_tasks_kind_check', `workflow_task_kind_valid("kind", "status")`)
@Check(
  'workflow_tasks_element_check',
  `workflow_task_element_valid("kind", "element_index", "element_count")`,
)
export class WorkflowTask {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'workflow_tasks_pkey' })
  id: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId: string;

  /** Not checked against `tenants` on insert: its run's is (TenantKeyChecksOffHotInserts). */
  @ManyToOne(() => Tenant, { createForeignKeyConstraints: false })
  @JoinColumn({ name: 'tenant_id' })
  tenant?: Tenant;

  @Column({ name: 'run_id', type: 'uuid' })
  runId: string;

  @ManyToOne(() => WorkflowRun, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'run_id', foreignKeyConstraintName: 'workflow_tasks_run_id_fkey' })
  run?: WorkflowRun;

  @Column({ name: 'step_key', type: 'varchar', length: 64 })
  stepKey: string;

  @Column({ type: 'varchar', length: 64 })
  skill: string;

  @Column({ type: 'varchar', length: 16 })
  status: TaskStatus;

  /**
   * `task` (an agent's work), a step run without one (`wait`, `approval`, `sleep`, `github`),
   * or `fanout`: a forEach step's own row, waiting while its element tasks run.
   */
  @Column({ type: 'varchar', length: 16, default: 'task' })
  kind: TaskKind;

  /** A fan-out element's position in its step's array (its task input's `index`); else null. */
  @Column({ name: 'element_index', type: 'integer', nullable: true })
  elementIndex: number | null;

  /** On a fan-out step's own row: how many elements its forEach resolved to; else null. */
  @Column({ name: 'element_count', type: 'integer', nullable: true })
  elementCount: number | null;

  /** What a waiting step waits for (signal, event, approvers, sleep end), as the run view shows it. */
  @Column({ name: 'wait_for', type: 'jsonb', nullable: true })
  waitFor: Record<string, unknown> | null;

  /** When a waiting step wakes: its timeout, or the end of its sleep; null: no deadline. */
  @Column({ name: 'wake_at', type: 'timestamptz', nullable: true })
  wakeAt: Date | null;

  @Column({ type: 'integer', default: 0 })
  priority: number;

  @Column({ type: 'jsonb' })
  input: unknown;

  @Column({ type: 'jsonb', nullable: true })
  output: unknown;

  @Column({ type: 'jsonb', nullable: true })
  error: unknown;

  @Column({ type: 'integer', default: 1 })
  attempt: number;

  @Column({ name: 'max_attempts', type: 'integer' })
  maxAttempts: number;

  @Column({ name: 'timeout_seconds', type: 'integer', nullable: true })
  timeoutSeconds: number | null;

  @Column({ name: 'retry_backoff', type: 'jsonb' })
  retryBackoff: RetryBackoff;

  /** When the task may be claimed (later than now while a retry waits its backoff). */
  @Column({ name: 'available_at', type: 'timestamptz', default: () => 'now()' })
  availableAt: Date;

  @Column({ name: 'agent_id', type: 'varchar', length: 64, nullable: true })
  agentId: string | null;

  @Column({ name: 'lease_token', type: 'varchar', length: 64, nullable: true })
  leaseToken: string | null;

  @Column({ name: 'lease_expires_at', type: 'timestamptz', nullable: true })
  leaseExpiresAt: Date | null;

  @Column({ name: 'claimed_at', type: 'timestamptz', nullable: true })
  claimedAt: Date | null;

  /** The task whose completion leased this one (`claimNext`); null for a claim of its own. */
  @Column({ name: 'claimed_after', type: 'uuid', nullable: true })
  claimedAfter: string | null;

  /** claimedAt + the step's timeoutSeconds: past it the attempt times out, heartbeats or not. */
  @Column({ name: 'deadline_at', type: 'timestamptz', nullable: true })
  deadlineAt: Date | null;

  /** sha256 of the complete/fail payload of the current lease: a repeat is answered the same. */
  @Column({ name: 'result_hash', type: 'varchar', length: 64, nullable: true })
  resultHash: string | null;

  /** The lease and payload of the previous attempt, so its holder's repeated `fail` is idempotent. */
  @Column({ name: 'prev_lease_token', type: 'varchar', length: 64, nullable: true })
  prevLeaseToken: string | null;

  @Column({ name: 'prev_result_hash', type: 'varchar', length: 64, nullable: true })
  prevResultHash: string | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  /** The shared rate limit its step names (see RateLimit): claimed only while it has tokens. */
  @Column({ name: 'rate_limit_key', type: 'varchar', length: 64, nullable: true })
  rateLimitKey: string | null;

  /** The tokens a claim of it takes from that rate limit (resolved when it was queued). */
  @Column({ name: 'rate_units', type: 'double precision', nullable: true })
  rateUnits: number | null;

  /**
   * Its run's fair-queuing flow (definition and concurrency-key value; null: the run has no
   * key) and its rank in the queue's order, given by a trigger whenever it is queued (see the
   * FairQueue migration): the claim reads queued tasks by (priority, fair_at).
   */
  @Column({ name: 'fair_flow', type: 'text', nullable: true })
  fairFlow: string | null;

  @Column({ name: 'fair_at', type: 'timestamptz', nullable: true })
  fairAt: Date | null;

  /** What its holders reported on completion and progress, summed over its attempts. */
  @Column({ type: 'jsonb', nullable: true })
  usage: UsageTotals | null;
  /** routing "outcome": the agent it was drawn for, which alone may claim it until then. */
  @Column({ name: 'reserved_for', type: 'varchar', length: 64, nullable: true })
  reservedFor: string | null;

  @Column({ name: 'reserved_until', type: 'timestamptz', nullable: true })
  reservedUntil: Date | null;
}
