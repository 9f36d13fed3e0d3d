import { RunDetailDto, RunDto, RunStepDto, RunWaitingDto, TaskViewDto } from './dto/run.dto';
import { stepKind } from './dag';
import { isTerminalRun } from './state-machine';
import type { RunDetail } from './runs.service';
import type { RunRow, TaskRow } from './workflow-rows';

const iso = (value: Date | string | null): string | null =>
  value === null ? null : new Date(value).toISOString();

export function runView(run: RunRow): RunDto {
  return {
    id: run.id,
    type: run.type,
    definitionKey: run.definitionVersion === null ? null : run.type,
    definitionVersion: run.definitionVersion,
    status: run.status,
    priority: run.priority,
    input: run.input,
    output: run.output,
    error: run.error,
    createdAt: iso(run.createdAt)!,
    startAt: iso(run.startAt),
    startedAt: iso(run.startedAt),
    finishedAt: iso(run.finishedAt),
  };
}

export function taskView(task: TaskRow): TaskViewDto {
  return {
    id: task.id,
    status: task.status,
    attempt: task.attempt,
    maxAttempts: task.maxAttempts,
    agentId: task.agentId,
    input: task.input,
    output: task.output,
    error: task.error,
    availableAt: iso(task.availableAt)!,
    leaseExpiresAt: task.status === 'claimed' ? iso(task.leaseExpiresAt) : null,
    claimedAt: iso(task.claimedAt),
    finishedAt: iso(task.finishedAt),
  };
}

/** The run with each step and its task; a step never reached shows pending (or cancelled). */
export function runDetailView({ run, tasks, waiting }: RunDetail): RunDetailDto {
  const byStep = new Map(tasks.map((task) => [task.stepKey, task]));
  const steps: RunStepDto[] = run.steps.map((step) => {
    const task = byStep.get(step.key);
    const waiting = task?.status === 'waiting';
    return {
      ...step,
      kind: stepKind(step),
      status: task ? task.status : isTerminalRun(run.status) ? 'cancelled' : 'pending',
      waitingFor: waiting ? task.waitFor : null,
      deadline: waiting ? iso(task.wakeAt) : null,
      task: task ? taskView(task) : null,
    };
  });
  return {
    ...runView(run),
    steps,
    waiting: waitingView(waiting),
  };
}

function waitingView(waiting: RunDetail['waiting']): RunWaitingDto | null {
  if (waiting === null) return null;
  switch (waiting.reason) {
    case 'schedule':
      return { reason: 'schedule', until: iso(waiting.until)! };
    case 'paused':
      return { reason: 'paused', since: iso(waiting.since)! };
    case 'rate_limit':
      return {
        reason: 'rate_limit',
        rateLimit: waiting.rateLimit,
        stepKey: waiting.stepKey,
        units: waiting.units,
        defined: waiting.until !== null,
        ...(waiting.until === null ? {} : { until: iso(waiting.until)! }),
      };
  }
}
