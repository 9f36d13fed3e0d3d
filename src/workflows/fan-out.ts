import { forEachSource, StepSpec } from './dag';
import { valueAt } from './wait-steps';

/** The most elements one fan-out step runs; a longer array fails the step. */
export const MAX_FAN_OUT = 1000;

/**
 * The most a fan-out's output (its elements' outputs in one array, as JSON text) may hold: it
 * is every dependent's task input and part of the run's output, and PostgreSQL holds at most
 * 256 MB in one value. Elements whose outputs add up to more fail their step
 * (`fan_out_output_too_large`) as the last of them succeeds.
 */
export const FAN_OUT_OUTPUT_MAX_BYTES = 64 * 1024 * 1024;

/** Why a fan-out step failed as it became ready (shown in the run view and its history). */
export interface FanOutError {
  message: string;
  code: 'foreach_unresolved' | 'foreach_not_array' | 'foreach_too_many';
}

export type FanOutPlan = { items: unknown[]; error?: undefined } | { error: FanOutError };

/**
 * The elements of a forEach step, read once as it becomes ready: from the run input or the
 * output of one of its dependencies (the same values its task input carries).
 */
export function planFanOut(
  step: Pick<StepSpec, 'forEach' | 'dependsOn'>,
  runInput: unknown,
  outputs: ReadonlyMap<string, unknown>,
): FanOutPlan {
  const path = step.forEach!;
  const source = forEachSource(path, step.dependsOn);
  const root = source?.step ? outputs.get(source.step) : (runInput ?? {});
  const value = source && source.path !== '' ? valueAt(root, source.path) : root;
  if (!source || value === undefined) {
    return {
      error: {
        message: `forEach ${path} resolved to nothing: the run's context has no value there.`,
        code: 'foreach_unresolved',
      },
    };
  }
  if (!Array.isArray(value)) {
    return {
      error: {
        message: `forEach ${path} resolved to ${describe(value)}, not an array.`,
        code: 'foreach_not_array',
      },
    };
  }
  if (value.length > MAX_FAN_OUT) {
    return {
      error: {
        message: `forEach ${path} resolved to ${value.length} elements; a fan-out runs at most ${MAX_FAN_OUT}.`,
        code: 'foreach_too_many',
      },
    };
  }
  return { items: value as unknown[] };
}

/**
 * What an element task stores as its input: its element and that element's index. Readers see
 * it merged into its step's input (`{input, dependencies}`, stored once on the step's own row;
 * see TASK_COLUMNS), so an agent gets `{input, dependencies, item, index}`.
 */
export function elementInput(item: unknown, index: number): { item: unknown; index: number } {
  return { item, index };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}
