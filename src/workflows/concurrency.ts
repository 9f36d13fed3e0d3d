import { createHash } from 'node:crypto';
import { BadRequestError, FieldError } from '../common/errors/domain-error';
import { valueAt } from './wait-steps';
import { WorkflowErrorCode } from './workflows.errors';

export const CONCURRENCY_STRATEGIES = ['queue', 'cancel-newest', 'cancel-in-progress'] as const;
export type ConcurrencyStrategy = (typeof CONCURRENCY_STRATEGIES)[number];

/** A definition's concurrency key, as stored: at most `limit` runs per key value at once. */
export interface ConcurrencySpec {
  /** `$.input` or a dot path in it: `$.input.repo`. */
  key: string;
  limit: number;
  strategy: ConcurrencyStrategy;
}

/** Where a run stands with its key: waiting for a slot, or holding one (its tasks may run). */
export type ConcurrencyState = 'waiting' | 'holding';

export const MAX_CONCURRENCY_LIMIT = 1000;
/** `$.input`, or a path of up to 16 segments in it (the references `match` accepts). */
export const INPUT_PATH = /^\$\.input(\.[A-Za-z0-9_-]+){0,16}$/;
/** Key values longer than this (as canonical JSON) are grouped by their hash. */
export const MAX_KEY_TEXT = 256;

/** Checks what a client sent and fills the default strategy; errors name `concurrency.*`. */
export function normaliseConcurrency(input: {
  key: string;
  limit: number;
  strategy?: string;
}): ConcurrencySpec {
  const errors: FieldError[] = [];
  if (typeof input.key !== 'string' || !INPUT_PATH.test(input.key))
    errors.push({
      field: 'concurrency.key',
      message: 'must be $.input or a dot path in it, such as $.input.repo',
    });
  if (!Number.isInteger(input.limit) || input.limit < 1 || input.limit > MAX_CONCURRENCY_LIMIT)
    errors.push({
      field: 'concurrency.limit',
      message: `must be an integer from 1 to ${MAX_CONCURRENCY_LIMIT}`,
    });
  const strategy = input.strategy ?? 'queue';
  if (!(CONCURRENCY_STRATEGIES as readonly string[]).includes(strategy))
    errors.push({
      field: 'concurrency.strategy',
      message: `must be one of ${CONCURRENCY_STRATEGIES.join(', ')}`,
    });
  if (errors.length > 0) {
    throw new BadRequestError(
      WorkflowErrorCode.InvalidDefinition,
      'The concurrency key is invalid.',
      errors,
    );
  }
  return { key: input.key, limit: input.limit, strategy: strategy as ConcurrencyStrategy };
}

/**
 * The key value a run is grouped by, as canonical JSON text (object keys sorted, so equal
 * values group equally). A path the input lacks counts as `null`: every run without the value
 * shares one group (they are limited together, never unlimited). A value longer than
 * MAX_KEY_TEXT is grouped by its sha256, stored as `sha256:<hex>` without JSON's quotes: no
 * value a caller sends is stored so (the string "sha256:<hex>", an image digest say, is stored
 * quoted), so none can share a long value's group by sending its shown key.
 */
export function concurrencyKeyOf(input: unknown, path: string): string {
  const value = path === '$.input' ? input : valueAt(input, path.slice('$.input.'.length));
  const text = JSON.stringify(canonical(value ?? null));
  if (text.length <= MAX_KEY_TEXT) return text;
  return `${HASHED}${createHash('sha256').update(text).digest('hex')}`;
}

const HASHED = 'sha256:';

/** The stored key text as the JSON value it stands for (a long value's: "sha256:<hex>"). */
export function keyValue(text: string): unknown {
  return text.startsWith(HASHED) ? text : (JSON.parse(text) as unknown);
}

/** The name of the transaction-scoped advisory lock that serialises one key value's slots. */
export function groupLockName(tenantId: string, type: string, key: string): string {
  return `concurrency:${tenantId}:${type}:${key}`;
}

/**
 * What an arriving run does, given the runs holding a slot and those waiting before it:
 * `start`, `wait` (queue), `cancel` itself (cancel-newest), or start after cancelling the
 * `evict` oldest holders (cancel-in-progress: as many as make room for it).
 */
export type Arrival =
  | { action: 'start' }
  | { action: 'wait' }
  | { action: 'cancel' }
  | { action: 'evict'; count: number };

export function arrive(
  strategy: ConcurrencyStrategy,
  limit: number,
  holding: number,
  waitingAhead: number,
): Arrival {
  const full = holding >= limit || waitingAhead > 0;
  if (!full) return { action: 'start' };
  switch (strategy) {
    case 'queue':
      return { action: 'wait' };
    case 'cancel-newest':
      return { action: 'cancel' };
    case 'cancel-in-progress':
      return holding >= limit
        ? { action: 'evict', count: holding - limit + 1 }
        : { action: 'start' };
  }
}

/** JSON with object keys sorted. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}
