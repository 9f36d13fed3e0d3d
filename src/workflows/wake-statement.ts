import { ascendingIds, AUDIT_NOW_SQL, auditContextParameters } from '../audit/audit-time';
import type { RequestContext } from '../common/context/request-context';
import { uuidv7 } from '../common/ids';
import { currentTraceparent } from '../common/tracing/trace-context';
import { RUN_COLUMNS } from './workflow-rows';

/**
 * The timer's batch wake, first statement: the runs, each locked with SKIP LOCKED in id order
 * (another replica, or a signal, holds one: it is left for the next look), with the ids of
 * their waiting steps whose time came, in the order they end (wake_at, id). The ids are read
 * with the statement's snapshot, before the lock: one that ended meanwhile is skipped by the
 * second statement, which re-checks `status = 'waiting'` on the row it updates; one that
 * started meanwhile is found by the next look.
 */
export const LOCK_DUE_RUNS = `SELECT ${RUN_COLUMNS},
         -- The run's tasks by the run index, then filtered (OFFSET 0 keeps the filter out of
         -- the scan: with it, a table not analyzed yet is read through the wake index, every
         -- due step of every run for each run).
         ARRAY(SELECT t.id
                 FROM (SELECT id, status, kind, wake_at FROM workflow_tasks
                        WHERE run_id = r.id OFFSET 0) t
                WHERE t.status = 'waiting' AND t.wake_at <= now() AND t.kind <> 'github'
                ORDER BY t.wake_at, t.id) AS due
    FROM workflow_runs r WHERE r.id = ANY($1::uuid[])
   ORDER BY r.id FOR UPDATE SKIP LOCKED`;

/**
 * Second statement, under the runs' locks: ends the due steps ($1, in order) as their time
 * says, the way `timedOut` in waits.service.ts does (a sleep succeeds with `sleptUntil`; a wait
 * succeeds with `timedOut` when its `onTimeout` is `succeed`, else times out; an approval times
 * out), un-indexes the event waits among them, and writes each one's audit entry and
 * `workflow.step.*` event in the same statement (data-modifying CTEs, as the claim statement
 * writes its own): what `WorkflowEngine.stepChanged` would buffer, row for row. Answers each
 * ended step (with its position `n`, what the engine needs of it), then every other task of
 * the runs ($2) as it is (`n` null).
 */
export const END_DUE_STEPS = `
  WITH ended AS (
    UPDATE workflow_tasks t
       SET status = CASE WHEN t.kind = 'sleep' OR t.wait_for->>'onTimeout' = 'succeed' AND t.kind = 'wait'
                         THEN 'succeeded' ELSE 'timed_out' END,
           output = CASE WHEN t.kind = 'sleep'
                           THEN jsonb_build_object('sleptUntil',
                                  to_char(t.wake_at AT TIME ZONE 'UTC',
                                          'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
                         WHEN t.kind = 'wait' AND t.wait_for->>'onTimeout' = 'succeed'
                           THEN jsonb_build_object('timedOut', true) END,
           error = CASE WHEN t.kind = 'sleep' THEN NULL
                        WHEN t.kind = 'wait' AND t.wait_for->>'onTimeout' = 'succeed' THEN NULL
                        WHEN t.kind = 'wait'
                          THEN jsonb_build_object(
                                 'message', 'The wait timed out before its signal or event came.',
                                 'code', 'wait_timeout')
                        ELSE jsonb_build_object(
                               'message', 'No decision came before the approval timed out.',
                               'code', 'approval_timeout') END,
           finished_at = now()
      -- Each step read by its primary key, then checked (OFFSET 0 keeps the check out of the
      -- read: with it, the planner reads every waiting step through the wake index, the whole
      -- backlog and its dead entries, for each batch). The check is final: under the run's
      -- lock, no one else ends its steps, and this statement sees every change committed
      -- before the lock was granted.
      FROM (SELECT d.n, w.id
              FROM unnest($1::uuid[]) WITH ORDINALITY AS d(id, n)
                   CROSS JOIN LATERAL (SELECT id, status FROM workflow_tasks
                                        WHERE id = d.id OFFSET 0) w
             WHERE w.status = 'waiting') d
     WHERE t.id = d.id
    RETURNING t.id, t.tenant_id, t.run_id, t.step_key, t.kind, t.status, t.output, t.error,
              t.attempt, t.wait_for, d.n),
  numbered AS (
    SELECT row_number() OVER (ORDER BY e.n) AS k, e.* FROM ended e),
  unindexed AS (
    DELETE FROM workflow_event_waits w
     WHERE w.task_id IN (SELECT id FROM numbered WHERE kind = 'wait' AND wait_for ? 'event')),
  audited AS (
    INSERT INTO audit_entries (id, tenant_id, occurred_at, actor_type, actor_id, action,
      resource_type, resource_id, correlation_id, ip, user_agent, before, after, txid)
    SELECT ($3::uuid[])[k], e.tenant_id,
           ${AUDIT_NOW_SQL},
           $5, $6, CASE e.status WHEN 'succeeded' THEN 'step.succeed' ELSE 'step.time_out' END,
           'task', e.id::text, $7, $8, $9, jsonb_build_object('status', 'waiting'),
           jsonb_build_object('status', e.status, 'kind', e.kind),
           pg_current_xact_id()::text::bigint
      FROM numbered e ORDER BY k),
  emitted AS (
    INSERT INTO events (id, tenant_id, type, subject_type, subject_id, data, correlation_id,
                        trace_context)
    SELECT ($4::uuid[])[k], e.tenant_id, 'workflow.step.' || e.status, 'workflow',
           e.run_id::text,
           jsonb_build_object('taskId', e.id, 'workflowId', e.run_id, 'stepKey', e.step_key,
                              'kind', e.kind, 'status', e.status)
             || CASE WHEN e.error IS NULL THEN '{}'::jsonb
                     ELSE jsonb_build_object('error', e.error) END,
           $7, $10
      FROM numbered e ORDER BY k)
  SELECT e.run_id AS "runId", e.id, e.step_key AS "stepKey", e.status, e.kind,
         NULL::int AS "elementIndex", NULL::int AS "elementCount", e.output, e.k::int AS n,
         e.error, e.attempt
    FROM numbered e
  UNION ALL
  SELECT t.run_id, t.id, t.step_key, t.status, t.kind, t.element_index, t.element_count,
         CASE WHEN t.element_index IS NULL THEN t.output END, NULL, NULL, t.attempt
    FROM unnest($2::uuid[]) AS r(id)
         -- A run's tasks by the run index, run by run (OFFSET 0 keeps the planner from
         -- turning this into one scan of the table for a batch). Read before the UPDATE
         -- above, so an ended step is left out here: it is answered once, as it is now (NOT
         -- IN: one hashed look-up per task; NOT EXISTS was planned as a rescan of the ended
         -- steps for each task).
         CROSS JOIN LATERAL (SELECT * FROM workflow_tasks WHERE run_id = r.id OFFSET 0) t
   WHERE t.id NOT IN (SELECT id FROM numbered)`;

/**
 * The parameters of `END_DUE_STEPS` for `due` step ids (in order) of `runIds`, in the request
 * context whose entries they write. Ids ascending, so the sealer (which chains a transaction's
 * entries in id order) chains them in the order the statement writes them.
 */
export function endDueParameters(
  due: string[],
  runIds: string[],
  context: RequestContext | undefined,
): unknown[] {
  return [
    due,
    runIds,
    ascendingIds(due.length),
    ascendingIds(due.length),
    ...auditContextParameters(context),
    currentTraceparent(),
  ];
}

/**
 * The timer's batch wake, last statement: the runs' next tasks inserted queued (held, in a
 * run over its budget), each with its audit entry (`task.queue` or `task.hold`) and its
 * `task.queued` or `task.held` event written in the same statement (data-modifying CTEs):
 * what the engine's `insertQueued` and `taskChanged` write, row for row, without reading the
 * rows back into the service and writing their entries and events in another statement.
 * Written in the order given (`n`), entries and events with ids ascending. Parameters: see
 * `queueWokenParameters`.
 */
export const QUEUE_WOKEN_TASKS = `
  WITH s AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb)
      AS s(n int, id uuid, tenant_id varchar, run_id uuid, priority int, step_key varchar,
           skill varchar, input jsonb, max_attempts int, timeout_seconds int,
           retry_backoff jsonb, element_index int, rate_limit_key varchar, rate_units float8,
           status varchar, keyed boolean, audit_id uuid, event_id uuid)),
  inserted AS (
    -- A queued task of a run without a concurrency key gets its rank here, what the fair-rank
    -- trigger gives it (its available_at, now()), and the trigger is not called for it; a
    -- keyed run's task is ranked by the trigger among its flow's (FairRankGiven migration).
    INSERT INTO workflow_tasks AS t (id, tenant_id, run_id, step_key, skill, status, priority,
       input, max_attempts, timeout_seconds, retry_backoff, element_index, rate_limit_key,
       rate_units, fair_at)
    SELECT id, tenant_id, run_id, step_key, skill, status, priority, input, max_attempts,
           timeout_seconds, retry_backoff, element_index, rate_limit_key, rate_units,
           CASE WHEN status = 'queued' AND NOT keyed THEN now() END
      FROM s ORDER BY n
    RETURNING t.id, t.status, t.attempt, t.agent_id),
  written AS (
    SELECT s.n, s.id, s.tenant_id, s.run_id, s.step_key, s.skill, s.element_index, s.audit_id,
           s.event_id, i.status, i.attempt, i.agent_id
      FROM s JOIN inserted i ON i.id = s.id),
  audited AS (
    INSERT INTO audit_entries (id, tenant_id, occurred_at, actor_type, actor_id, action,
      resource_type, resource_id, correlation_id, ip, user_agent, before, after, txid)
    SELECT w.audit_id, w.tenant_id,
           ${AUDIT_NOW_SQL},
           $2, $3, CASE w.status WHEN 'held' THEN 'task.hold' ELSE 'task.queue' END,
           'task', w.id::text, $4, $5, $6, NULL,
           jsonb_build_object('status', w.status, 'attempt', w.attempt, 'agentId', w.agent_id),
           pg_current_xact_id()::text::bigint
      FROM written w ORDER BY w.n),
  emitted AS (
    INSERT INTO events (id, tenant_id, type, subject_type, subject_id, data, correlation_id,
                        trace_context)
    SELECT w.event_id, w.tenant_id, 'task.' || w.status, 'workflow', w.run_id::text,
           jsonb_build_object('taskId', w.id, 'workflowId', w.run_id, 'stepKey', w.step_key,
                              'skill', w.skill, 'agentId', w.agent_id, 'attempt', w.attempt,
                              'durationMs', NULL)
             || CASE WHEN w.element_index IS NULL THEN '{}'::jsonb
                     ELSE jsonb_build_object('elementIndex', w.element_index) END,
           $4, $7
      FROM written w ORDER BY w.n)
  SELECT count(*)::int AS queued FROM written`;

/** A task `QUEUE_WOKEN_TASKS` inserts: the values of its row. */
export interface WokenTask {
  tenantId: string;
  runId: string;
  priority: number;
  stepKey: string;
  skill: string;
  input: unknown;
  maxAttempts: number;
  timeoutSeconds: number | null;
  retryBackoff: unknown;
  elementIndex: number | null;
  rateLimitKey: string | null;
  rateUnits: number | null;
  status: 'queued' | 'held';
  /** Its run has a concurrency key: its rank is its flow's turn, given by the trigger. */
  keyed: boolean;
}

/**
 * The parameters of `QUEUE_WOKEN_TASKS`, in the request context whose entries they write. The
 * tasks go as one JSON array (one `JSON.stringify`, not an array literal per column).
 */
export function queueWokenParameters(
  tasks: WokenTask[],
  context: RequestContext | undefined,
): unknown[] {
  const auditIds = ascendingIds(tasks.length);
  const eventIds = ascendingIds(tasks.length);
  const rows = tasks.map((task, index) => ({
    n: index + 1,
    id: uuidv7(),
    tenant_id: task.tenantId,
    run_id: task.runId,
    priority: task.priority,
    step_key: task.stepKey,
    skill: task.skill,
    input: task.input ?? null,
    max_attempts: task.maxAttempts,
    timeout_seconds: task.timeoutSeconds,
    retry_backoff: task.retryBackoff,
    element_index: task.elementIndex,
    rate_limit_key: task.rateLimitKey,
    rate_units: task.rateUnits,
    status: task.status,
    keyed: task.keyed,
    audit_id: auditIds[index],
    event_id: eventIds[index],
  }));
  return [JSON.stringify(rows), ...auditContextParameters(context), currentTraceparent()];
}
