import { stepKind } from '../workflows/dag';
import type { RunStatus } from '../workflows/state-machine';
import type { RunRow, TaskRow } from '../workflows/workflow-rows';

/** lf.a2a.v1 TaskState names, as ProtoJSON writes them. */
export const TASK_STATES = [
  'TASK_STATE_SUBMITTED',
  'TASK_STATE_WORKING',
  'TASK_STATE_INPUT_REQUIRED',
  'TASK_STATE_COMPLETED',
  'TASK_STATE_FAILED',
  'TASK_STATE_CANCELED',
] as const;
export type TaskState = (typeof TASK_STATES)[number];

export interface A2aPart {
  text?: string;
  data?: unknown;
  mediaType?: string;
}

export interface A2aMessage {
  messageId: string;
  contextId?: string;
  taskId?: string;
  role: 'ROLE_USER' | 'ROLE_AGENT';
  parts: A2aPart[];
}

export interface A2aTask {
  id: string;
  contextId: string;
  status: { state: TaskState; timestamp: string; message?: A2aMessage };
  artifacts?: Array<{ artifactId: string; name: string; parts: A2aPart[] }>;
  metadata: Record<string, unknown>;
}

/** Steps that wait for a person or an outside event: the A2A client may be the one to act. */
export const INPUT_KINDS = ['approval', 'wait'];

/**
 * A run's status time as `taskFromRun` dates it, in SQL (the run aliased `r`; `kinds`, the
 * parameter that holds INPUT_KINDS), to the millisecond, as the Task shows it.
 */
export const statusChangedAt = (kinds: string) => `date_trunc('milliseconds', greatest(
  r.finished_at, r.started_at, r.created_at,
  (SELECT max(greatest(w.created_at, w.finished_at)) FROM workflow_tasks w
    WHERE w.run_id = r.id AND w.element_index IS NULL AND w.kind = ANY(${kinds}))))`;

/** States a task does not leave. */
export const TERMINAL_STATES: readonly TaskState[] = [
  'TASK_STATE_COMPLETED',
  'TASK_STATE_FAILED',
  'TASK_STATE_CANCELED',
];

/** Where a blocking SendMessage answers: a terminal state, or one that waits for the client. */
export function isSettled(task: A2aTask): boolean {
  return (
    TERMINAL_STATES.includes(task.status.state) || task.status.state === 'TASK_STATE_INPUT_REQUIRED'
  );
}

/** What the mapping reads of a run: the run, and its steps' rows (its approval and wait steps'). */
export interface RunView {
  run: RunRow;
  /** The run's step tasks; of those, its approval and wait steps' are what is read. */
  tasks: InputStepRow[];
}

/** What `taskFromRun` reads of a run's step tasks. */
export type InputStepRow = Pick<TaskRow, 'stepKey' | 'status' | 'createdAt' | 'finishedAt'> & {
  runId?: string;
};

/** The approval and wait steps' tasks of the runs `$1` (InputStepRow), for `taskFromRun`. */
export const INPUT_STEPS_SQL = `SELECT run_id AS "runId", step_key AS "stepKey", status,
       created_at AS "createdAt", finished_at AS "finishedAt"
  FROM workflow_tasks
 WHERE run_id = ANY($1::uuid[]) AND element_index IS NULL AND kind = ANY($2::varchar[])`;

function stateOf(status: RunStatus, waitsForInput: boolean): TaskState {
  switch (status) {
    case 'scheduled':
    case 'pending':
      return 'TASK_STATE_SUBMITTED';
    case 'running':
      return waitsForInput ? 'TASK_STATE_INPUT_REQUIRED' : 'TASK_STATE_WORKING';
    // Someone has to raise its budget (or cancel it) before it moves again.
    case 'budget_exceeded':
      return 'TASK_STATE_INPUT_REQUIRED';
    case 'succeeded':
      return 'TASK_STATE_COMPLETED';
    case 'failed':
      return 'TASK_STATE_FAILED';
    case 'cancelled':
      return 'TASK_STATE_CANCELED';
  }
}

const iso = (value: Date | string | null | undefined): string | undefined =>
  value === null || value === undefined ? undefined : new Date(value).toISOString();

/**
 * A run as an A2A Task: the task id and context id are the run id; a completed run's output is
 * one artifact holding it as a data part; a run waiting on an approval or a wait step is
 * input-required, with a status message naming the steps.
 */
export function taskFromRun({ run, tasks }: RunView): A2aTask {
  const kinds = new Map(run.steps.map((step) => [step.key, stepKind(step)]));
  const waiting = tasks.filter(
    (task) => task.status === 'waiting' && INPUT_KINDS.includes(kinds.get(task.stepKey) ?? 'task'),
  );
  const state = stateOf(run.status, waiting.length > 0);
  // When the state last changed: the run's start and end, and each approval or wait step's
  // arrival (input-required from then) and end (working again). What ListTasks filters
  // `statusTimestampAfter` on (statusChangedAt).
  const inputSteps = tasks.filter((task) =>
    INPUT_KINDS.includes(kinds.get(task.stepKey) ?? 'task'),
  );
  const latest = [
    run.finishedAt,
    run.startedAt,
    run.createdAt,
    ...inputSteps.flatMap((task) => [task.createdAt, task.finishedAt]),
  ]
    .map((value) => (value === null || value === undefined ? 0 : new Date(value).getTime()))
    .reduce((a, b) => Math.max(a, b), 0);
  const note = (text: string): A2aMessage => ({
    messageId: `${run.id}:${state}`,
    contextId: run.id,
    taskId: run.id,
    role: 'ROLE_AGENT',
    parts: [{ text }],
  });
  let message: A2aMessage | undefined;
  if (state === 'TASK_STATE_INPUT_REQUIRED') {
    message = note(
      `Waiting on ${waiting.map((task) => `${kinds.get(task.stepKey)} step "${task.stepKey}"`).join(', ')}.`,
    );
  } else if (state === 'TASK_STATE_FAILED') {
    const error = run.error as { message?: unknown } | null;
    message = note(typeof error?.message === 'string' ? error.message : 'The run failed.');
  }
  return {
    id: run.id,
    contextId: run.id,
    status: {
      state,
      timestamp: iso(latest === 0 ? run.createdAt : new Date(latest))!,
      ...(message ? { message } : {}),
    },
    ...(state === 'TASK_STATE_COMPLETED'
      ? {
          artifacts: [
            {
              artifactId: `${run.id}:output`,
              name: 'output',
              parts: [{ data: run.output ?? {}, mediaType: 'application/json' }],
            },
          ],
        }
      : {}),
    metadata: {
      workflowId: run.id,
      definitionKey: run.definitionVersion === null ? null : run.type,
      definitionVersion: run.definitionVersion,
      status: run.status,
    },
  };
}
