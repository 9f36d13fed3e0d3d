import { ConflictError } from '../common/errors/domain-error';
import { WorkflowErrorCode } from './workflows.errors';

export const RUN_STATUSES = [
  'scheduled',
  'pending',
  'running',
  'budget_exceeded',
  'succeeded',
  'failed',
  'cancelled',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const TASK_STATUSES = [
  'queued',
  'held',
  'claimed',
  'waiting',
  'succeeded',
  'failed',
  'cancelled',
  'timed_out',
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/**
 * Every legal transition, in one place. A run starts `pending` (or `scheduled` until its delayed
 * start comes), turns `running` when its first task is claimed (or finishes), and ends in one of
 * three terminal states; a failed run may be retried (back to `running`, or `pending` while its
 * concurrency key has no free slot). A task's failed or timed-out attempt with attempts left
 * goes back to `queued` (its retry); so does a claimed task whose claim could not be answered
 * (its client hung up meanwhile), its attempt unspent. A step that is not a task (a wait, an
 * approval, a sleep) starts `waiting` and ends once: it is never queued, so no agent can claim
 * it, and it is never retried by the engine. A running run whose usage passed its budget is
 * `budget_exceeded` until the budget is raised: its tasks that would be queued are `held`
 * instead (claimed ones may finish), and queued again when it runs again.
 */
export const RUN_TRANSITIONS: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  scheduled: ['pending', 'cancelled'],
  pending: ['running', 'failed', 'cancelled'],
  running: ['budget_exceeded', 'succeeded', 'failed', 'cancelled'],
  budget_exceeded: ['running', 'succeeded', 'failed', 'cancelled'],
  succeeded: [],
  failed: ['running', 'pending'],
  cancelled: [],
};

export const TASK_TRANSITIONS: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  queued: ['claimed', 'held', 'cancelled'],
  held: ['queued', 'cancelled'],
  claimed: ['succeeded', 'failed', 'timed_out', 'cancelled', 'queued', 'held'],
  waiting: ['succeeded', 'failed', 'timed_out', 'cancelled'],
  succeeded: [],
  failed: ['queued', 'held'],
  timed_out: ['queued', 'held'],
  cancelled: [],
};

export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled'];

export function canTransitionRun(from: RunStatus, to: RunStatus): boolean {
  return RUN_TRANSITIONS[from].includes(to);
}

export function canTransitionTask(from: TaskStatus, to: TaskStatus): boolean {
  return TASK_TRANSITIONS[from].includes(to);
}

/** Throws the 409 an illegal run transition answers. */
export function assertRunTransition(from: RunStatus, to: RunStatus): void {
  if (!canTransitionRun(from, to)) {
    throw new ConflictError(
      WorkflowErrorCode.IllegalTransition,
      `A ${from} workflow run cannot become ${to}.`,
    );
  }
}

/** Throws the 409 an illegal task transition answers. */
export function assertTaskTransition(from: TaskStatus, to: TaskStatus): void {
  if (!canTransitionTask(from, to)) {
    throw new ConflictError(
      WorkflowErrorCode.IllegalTransition,
      `A ${from} task cannot become ${to}.`,
    );
  }
}

export function isTerminalRun(status: RunStatus): boolean {
  return TERMINAL_RUN_STATUSES.includes(status);
}
