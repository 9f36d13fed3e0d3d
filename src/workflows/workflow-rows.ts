import type { WorkflowRun } from './entities/workflow-run.entity';
import type { WorkflowTask } from './entities/workflow-task.entity';

export type RunRow = Omit<WorkflowRun, 'tenant'>;
export type TaskRow = Omit<WorkflowTask, 'tenant' | 'run'>;

/**
 * A task's input as agents and readers see it. A fan-out element stores only `{item, index}`:
 * the rest (the run input, the dependencies' outputs) is its step's input, stored once on the
 * step's own row and merged in here (one probe of the unique (run, step) index), so 1,000
 * elements do not store 1,000 copies of what may be the very array they came from.
 */
/** The input of element `t`'s step, from the step's own row (what TASK_INPUT merges in). */
export const STEP_INPUT = `(SELECT fan_step.input FROM workflow_tasks fan_step
         WHERE fan_step.run_id = t.run_id AND fan_step.step_key = t.step_key
           AND fan_step.element_index IS NULL)`;
const TASK_INPUT = `CASE WHEN t.element_index IS NULL THEN t.input
  ELSE ${STEP_INPUT} || t.input END AS input`;

// Hot paths use plain SQL (claim, complete, the reaper): these are the column lists they read.
export const RUN_COLUMNS = `r.id, r.tenant_id AS "tenantId", r.type,
  r.definition_version AS "definitionVersion", r.status, r.priority, r.input, r.steps, r.output,
  r.error, r.on_finish AS "onFinish", r.trigger_key AS "triggerKey", r.created_at AS "createdAt",
  r.start_at AS "startAt", r.started_at AS "startedAt", r.finished_at AS "finishedAt",
  r.concurrency_key AS "concurrencyKey", r.concurrency_limit AS "concurrencyLimit",
  r.concurrency_strategy AS "concurrencyStrategy", r.concurrency_state AS "concurrencyState",
  r.concurrency_since AS "concurrencySince", r.usage, r.budget`;

/** A run's stored values (input, output, steps, error) in bytes as stored (PAGE_BYTES). */
export const RUN_STORED_SIZE = `(coalesce(pg_column_size(r.input), 0)
  + coalesce(pg_column_size(r.output), 0) + coalesce(pg_column_size(r.steps), 0)
  + coalesce(pg_column_size(r.error), 0))`;

/**
 * RUN_COLUMNS of a run just finished, its output not read back (null): a succeeded run's is
 * gathered by PostgreSQL from its steps' outputs (workflow_run_output), tens of MB at times.
 */
export const FINISHED_RUN_COLUMNS = RUN_COLUMNS.replace('r.output,', 'NULL::jsonb AS output,');

const taskColumns = (input: string) => `t.id, t.tenant_id AS "tenantId", t.run_id AS "runId",
  t.step_key AS "stepKey", t.skill, t.status, t.priority, ${input}, t.output, t.error,
  t.attempt,
  t.max_attempts AS "maxAttempts", t.timeout_seconds AS "timeoutSeconds",
  t.retry_backoff AS "retryBackoff", t.available_at AS "availableAt", t.agent_id AS "agentId",
  t.lease_token AS "leaseToken", t.lease_expires_at AS "leaseExpiresAt",
  t.claimed_at AS "claimedAt", t.deadline_at AS "deadlineAt", t.result_hash AS "resultHash",
  t.prev_lease_token AS "prevLeaseToken", t.prev_result_hash AS "prevResultHash",
  t.finished_at AS "finishedAt", t.created_at AS "createdAt", t.kind, t.wait_for AS "waitFor",
  t.wake_at AS "wakeAt", t.element_index AS "elementIndex", t.element_count AS "elementCount",
  t.rate_limit_key AS "rateLimitKey", t.rate_units AS "rateUnits", t.usage`;

export const TASK_COLUMNS = taskColumns(TASK_INPUT);

/**
 * A task's values as TASK_COLUMNS answers them (input, its step's for an element, output,
 * error) in bytes as stored (PAGE_BYTES).
 */
export const TASK_STORED_SIZE = `(coalesce(pg_column_size(t.input), 0)
  + CASE WHEN t.element_index IS NULL THEN 0 ELSE coalesce(pg_column_size(${STEP_INPUT}), 0) END
  + coalesce(pg_column_size(t.output), 0) + coalesce(pg_column_size(t.error), 0))`;

/**
 * As TASK_COLUMNS with the input as the row holds it: for rows whose input is whole already (a
 * retired task, see RetiredTasks), and for statements that create or change many of a run's
 * tasks at once and read no input (a fan-out element's is then its own `{item, index}`).
 * Merged, 1,000 elements answered their step's input 1,000 times (300 MB for a 300 KB run
 * input), and the statement ran past its timeout.
 */
export const STORED_TASK_COLUMNS = taskColumns('t.input');

/** Claim to now, in milliseconds, measured by the database clock. */
export const DURATION_MS = `(extract(epoch FROM clock_timestamp() - t.claimed_at) * 1000)::int AS "durationMs"`;

/** TypeORM answers UPDATE ... RETURNING as [rows, count]; INSERT/SELECT as rows. */
export function updatedRows<T>(result: unknown): T[] {
  return (result as [T[], number])[0];
}

/** Channel a committed transaction NOTIFYs when tasks become claimable: payload tenant + skill. */
export const TASKS_CHANNEL = 'agentmesh_tasks';

export function taskSignal(tenantId: string, skill: string): string {
  return `${tenantId}\n${skill}`;
}

/**
 * A signal for one agent's waiting claims, whatever skills they wait for (no skill named): what
 * it may be given changed without a task being queued (a quarantine of it ended).
 */
export function agentSignal(tenantId: string, agentId: string): string {
  return `${tenantId}\n\n${agentId}`;
}
