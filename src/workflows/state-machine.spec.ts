import { ConflictError } from '../common/errors/domain-error';
import {
  assertRunTransition,
  assertTaskTransition,
  RUN_STATUSES,
  RunStatus,
  TASK_STATUSES,
  TaskStatus,
} from './state-machine';

const LEGAL_RUN = new Set([
  'scheduled>pending',
  'scheduled>cancelled',
  'pending>running',
  'pending>failed',
  'pending>cancelled',
  'running>succeeded',
  'running>failed',
  'running>cancelled',
  'running>budget_exceeded',
  'budget_exceeded>running',
  'budget_exceeded>succeeded',
  'budget_exceeded>failed',
  'budget_exceeded>cancelled',
  'failed>running',
  'failed>pending',
]);

const LEGAL_TASK = new Set([
  'queued>claimed',
  'queued>cancelled',
  'queued>held',
  'held>queued',
  'held>cancelled',
  'claimed>succeeded',
  'claimed>failed',
  'claimed>timed_out',
  'claimed>cancelled',
  'claimed>queued',
  'claimed>held',
  'waiting>succeeded',
  'waiting>failed',
  'waiting>timed_out',
  'waiting>cancelled',
  'failed>queued',
  'failed>held',
  'timed_out>queued',
  'timed_out>held',
]);

/** true when legal, false when it throws the 409 ConflictError; anything else propagates. */
function allowed(attempt: () => void): boolean {
  try {
    attempt();
    return true;
  } catch (error) {
    if (error instanceof ConflictError) return false;
    throw error;
  }
}

const pairs = <T extends string>(statuses: readonly T[]): Array<[T, T]> =>
  statuses.flatMap((from) => statuses.map((to): [T, T] => [from, to]));

describe('run transitions', () => {
  it.each(pairs<RunStatus>(RUN_STATUSES))('%s → %s', (from, to) => {
    expect(allowed(() => assertRunTransition(from, to))).toBe(LEGAL_RUN.has(`${from}>${to}`));
  });
});

describe('task transitions', () => {
  it.each(pairs<TaskStatus>(TASK_STATUSES))('%s → %s', (from, to) => {
    expect(allowed(() => assertTaskTransition(from, to))).toBe(LEGAL_TASK.has(`${from}>${to}`));
  });

  it('lists every legal pair the table allows, no more', () => {
    expect(LEGAL_TASK.size).toBe(19);
    expect(LEGAL_RUN.size).toBe(15);
  });
});
