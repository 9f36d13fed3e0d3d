import { BadRequestError, FieldError } from '../common/errors/domain-error';
import { WorkflowErrorCode } from './workflows.errors';

/** Delay before retry n (n = the attempt that failed, from 1): initial × factor^(n-1), capped. */
export interface RetryBackoff {
  initialSeconds: number;
  factor: number;
  maxSeconds: number;
}

export interface StepSpec {
  key: string;
  skill: string;
  dependsOn: string[];
  timeoutSeconds: number | null;
  maxAttempts: number;
  retryBackoff: RetryBackoff;
}

export interface TriggerSpec {
  source: string;
  event: string;
}

export const DEFAULT_MAX_ATTEMPTS = 3;
export const DEFAULT_BACKOFF: RetryBackoff = { initialSeconds: 1, factor: 2, maxSeconds: 300 };

/** What a client sends for a step (validated for shape by the DTO first). */
export interface StepInput {
  key: string;
  skill: string;
  dependsOn?: string[];
  timeoutSeconds?: number;
  maxAttempts?: number;
  retryBackoff?: Partial<RetryBackoff>;
}

/**
 * Checks the graph (duplicate keys, unknown or self dependencies, cycles) and fills defaults.
 * Errors name the offending step: `steps[2].dependsOn`.
 */
export function normaliseSteps(steps: StepInput[], field = 'steps'): StepSpec[] {
  const errors: FieldError[] = [];
  const index = new Map<string, number>();
  steps.forEach((step, i) => {
    if (index.has(step.key)) {
      errors.push({ field: `${field}[${i}].key`, message: `duplicate step key "${step.key}"` });
    } else index.set(step.key, i);
  });
  steps.forEach((step, i) => {
    const seen = new Set<string>();
    for (const dep of step.dependsOn ?? []) {
      if (seen.has(dep)) {
        errors.push({ field: `${field}[${i}].dependsOn`, message: `"${dep}" is listed twice` });
      } else if (dep === step.key) {
        errors.push({
          field: `${field}[${i}].dependsOn`,
          message: `step "${dep}" depends on itself`,
        });
      } else if (!index.has(dep)) {
        errors.push({ field: `${field}[${i}].dependsOn`, message: `unknown step "${dep}"` });
      }
      seen.add(dep);
    }
  });
  if (errors.length === 0) {
    const cycle = findCycle(steps);
    if (cycle) {
      errors.push({
        field: `${field}[${index.get(cycle[0])}].dependsOn`,
        message: `dependency cycle: ${cycle.join(' → ')}`,
      });
    }
  }
  if (errors.length > 0) {
    throw new BadRequestError(
      WorkflowErrorCode.InvalidDefinition,
      'The steps do not form a valid graph.',
      errors,
    );
  }
  return steps.map((step) => ({
    key: step.key,
    skill: step.skill,
    dependsOn: step.dependsOn ?? [],
    timeoutSeconds: step.timeoutSeconds ?? null,
    maxAttempts: step.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    retryBackoff: { ...DEFAULT_BACKOFF, ...defined(step.retryBackoff ?? {}) },
  }));
}

/** Drops undefined properties (DTO instances carry them), so defaults are not overwritten. */
function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A cycle as step keys (first repeated at the end), or undefined. Depth-first, iterative. */
function findCycle(steps: StepInput[]): string[] | undefined {
  const deps = new Map(steps.map((step) => [step.key, step.dependsOn ?? []]));
  const state = new Map<string, 'visiting' | 'done'>();
  for (const start of deps.keys()) {
    if (state.has(start)) continue;
    const path: string[] = [];
    const stack: Array<{ key: string; next: number }> = [{ key: start, next: 0 }];
    state.set(start, 'visiting');
    path.push(start);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const children = deps.get(top.key) ?? [];
      if (top.next >= children.length) {
        state.set(top.key, 'done');
        stack.pop();
        path.pop();
        continue;
      }
      const child = children[top.next++];
      const seen = state.get(child);
      if (seen === 'visiting') return [...path.slice(path.indexOf(child)), child];
      if (seen === undefined) {
        state.set(child, 'visiting');
        path.push(child);
        stack.push({ key: child, next: 0 });
      }
    }
  }
  return undefined;
}

/** Steps with no task yet whose dependencies all succeeded. */
export function readySteps(
  steps: StepSpec[],
  succeeded: Set<string>,
  started: Set<string>,
): StepSpec[] {
  return steps.filter(
    (step) => !started.has(step.key) && step.dependsOn.every((dep) => succeeded.has(dep)),
  );
}

export function backoffSeconds(backoff: RetryBackoff, failedAttempt: number): number {
  const delay = backoff.initialSeconds * Math.pow(backoff.factor, Math.max(0, failedAttempt - 1));
  return Math.min(backoff.maxSeconds, delay);
}
