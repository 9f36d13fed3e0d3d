import {
  FanOutTaskViewDto,
  FanOutViewDto,
  RunDetailDto,
  RunDto,
  RunStepDto,
  RunWaitingDto,
  TaskViewDto,
} from './dto/run.dto';
import { StepSpec, stepKind } from './dag';
import { isTerminalRun, TaskStatus } from './state-machine';
import type { FanOutElements, RunDetail } from './runs.service';
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
    usage: run.usage ?? null,
    budget: run.budget ?? null,
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
    usage: task.usage ?? null,
  };
}

/** A fan-out step's elements as the run view shows them. */
export function fanOutView(
  forEach: string,
  own: TaskRow,
  elements: FanOutElements | undefined,
): FanOutViewDto {
  const count = (...statuses: TaskStatus[]) =>
    statuses.reduce((sum, status) => sum + (elements?.counts[status] ?? 0), 0);
  return {
    forEach,
    elements: own.elementCount,
    queued: count('queued'),
    running: count('claimed'),
    succeeded: count('succeeded'),
    failed: count('failed', 'timed_out'),
    cancelled: count('cancelled'),
    tasks: (elements?.shown ?? []).map(elementView),
  };
}

/** A fan-out element's task, with its own part of its input (the rest is its step's). */
export function elementView(task: TaskRow): FanOutTaskViewDto {
  return {
    ...taskView(task),
    input: { item: (task.input as { item: unknown }).item, index: task.elementIndex },
    index: task.elementIndex!,
  };
}

/** The run with each step and its task; a step never reached shows pending (or cancelled). */
export function runDetailView({ run, tasks, waiting, elements }: RunDetail): RunDetailDto {
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
      fanOut:
        task?.kind === 'fanout'
          ? fanOutView(step.forEach ?? '', task, elements.get(step.key))
          : null,
    };
  };
  const steps = run.steps.map((step) => stepView(step, isTerminalRun(run.status)));
  return {
    ...runView(run),
    steps,
    onFinish: run.onFinish ? stepView(run.onFinish, false) : null,
    waiting: waitingView(waiting),
  };
}

function waitingView(waiting: RunDetail['waiting']): RunWaitingDto | null {
  if (waiting === null) return null;
  switch (waiting.reason) {
    case 'schedule':
      return { reason: 'schedule', until: iso(waiting.until)! };
    case 'concurrency':
      return {
        reason: 'concurrency',
        key: waiting.key,
        limit: waiting.limit,
        ahead: waiting.ahead,
        since: iso(waiting.since)!,
      };
    case 'paused':
      return { reason: 'paused', since: iso(waiting.since)! };
    case 'budget':
      return { reason: 'budget', exceeded: waiting.exceeded };
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
