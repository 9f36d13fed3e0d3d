import { RunDetailDto, RunDto, RunStepDto, TaskViewDto } from './dto/run.dto';
import { StepSpec, stepKind } from './dag';
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
  const stepView = (step: StepSpec, reached: boolean): RunStepDto => {
    const task = byStep.get(step.key);
    const waiting = task?.status === 'waiting';
    return {
      ...step,
      kind: stepKind(step),
      status: task ? task.status : reached ? 'cancelled' : 'pending',
      waitingFor: waiting ? task.waitFor : null,
      deadline: waiting ? iso(task.wakeAt) : null,
      task: task ? taskView(task) : null,
    };
  };
  const steps = run.steps.map((step) => stepView(step, isTerminalRun(run.status)));
  return {
    ...runView(run),
    steps,
    onFinish: run.onFinish ? stepView(run.onFinish, false) : null,
    waiting:
      waiting === null
        ? null
        : waiting.reason === 'schedule'
          ? { reason: 'schedule', until: iso(waiting.until)! }
          : { reason: 'paused', since: iso(waiting.since)! },
  };
}
