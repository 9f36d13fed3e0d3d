import { isRetryableTransactionError } from '../../database/database-errors';

export interface RetryTransactionOptions {
  /** Runs in all, the first included. */
  attempts: number;
  /** The pause before retry n is about n times this (jittered ±50%). */
  baseDelayMs: number;
  onRetry?: (error: unknown, attempt: number) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const pause = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/**
 * Runs a whole unit of work again when PostgreSQL rolled it back for a deadlock or a
 * serialization failure, after a short jittered pause (the transaction that won finishes
 * meanwhile). Any other error, and the last retryable one, is the caller's.
 */
export async function retryTransaction<T>(
  work: () => Promise<T>,
  options: RetryTransactionOptions,
): Promise<T> {
  const sleep = options.sleep ?? pause;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= options.attempts || !isRetryableTransactionError(error)) throw error;
      options.onRetry?.(error, attempt);
      await sleep(Math.round(options.baseDelayMs * attempt * (0.5 + random())));
    }
  }
}
