import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { requestContext } from '../common/context/request-context';
import { MARK_COMMITTED_SQL } from '../common/idempotency/idempotency.store';
import { preparedQuery } from './prepared';

export interface Transaction {
  readonly manager: EntityManager;
  /**
   * Runs inside the transaction once the work is done, just before COMMIT, in registration
   * order: where audit entries and domain events buffered by the change are written, one
   * multi-row INSERT each instead of a round trip per row.
   */
  beforeCommit(callback: () => Promise<void>): void;
  /**
   * A data-modifying statement (an INSERT, an UPDATE, or a SELECT of a function that writes) to
   * run just before COMMIT, after the `beforeCommit` callbacks. All of a transaction's are sent
   * as one statement (each in a CTE), so the audit entries and the events of a change cost one
   * round trip together. Its result is not read.
   */
  writeBeforeCommit(sql: string, params: unknown[]): void;
  /** Runs after COMMIT (never after a rollback): wake-ups, cache invalidation. */
  afterCommit(callback: () => void | Promise<void>): void;
}

/**
 * The one way to write a change: the state change, its audit entry and its domain event
 * go through the same `Transaction`, so they commit or roll back together.
 */
@Injectable()
export class UnitOfWork {
  private readonly logger = new Logger(UnitOfWork.name);

  constructor(private readonly dataSource: DataSource) {}

  async run<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    const callbacks: Array<() => void | Promise<void>> = [];
    // A request holding an Idempotency-Key marks it in the change's own transaction (no extra
    // round trip: it joins the audit and event writes), so the key outlives any later failure.
    const idempotency = requestContext.get()?.idempotency;
    const markKey = idempotency !== undefined && !idempotency.committed;
    const result = await this.dataSource.transaction(async (manager) => {
      const beforeCommit: Array<() => Promise<void>> = [];
      const writes: Array<{ sql: string; params: unknown[] }> = [];
      const tx: Transaction = {
        manager,
        beforeCommit: (callback) => beforeCommit.push(callback),
        writeBeforeCommit: (sql, params) => writes.push({ sql, params }),
        afterCommit: (callback) => callbacks.push(callback),
      };
      const value = await work(tx);
      if (markKey)
        writes.push({ sql: MARK_COMMITTED_SQL, params: [idempotency.tenantId, idempotency.key] });
      // A callback may register another (a flush that buffers more): run until none is left.
      for (let index = 0; index < beforeCommit.length; index += 1) await beforeCommit[index]();
      if (writes.length > 0) {
        const combined = combineWrites(writes);
        await preparedQuery(tx, combined.sql, combined.params);
      }
      return value;
    });
    if (markKey) idempotency.committed = true;
    for (const callback of callbacks) {
      try {
        await callback();
      } catch (error) {
        this.logger.warn({ err: error }, 'An after-commit callback failed');
      }
    }
    return result;
  }
}

/**
 * `WITH w0 AS (sql0), w1 AS (sql1) SELECT 1`, each statement's `$n` shifted past the
 * parameters of those before it. PostgreSQL runs every data-modifying CTE exactly once; a
 * SELECT one only when it is read, so the final SELECT counts the rows of each.
 */
export function combineWrites(writes: Array<{ sql: string; params: unknown[] }>): {
  sql: string;
  params: unknown[];
} {
  if (writes.length === 1) return writes[0];
  const params: unknown[] = [];
  const parts = writes.map((write, index) => {
    const offset = params.length;
    params.push(...write.params);
    const sql = write.sql.replace(/\$(\d+)/g, (_match, n: string) => `$${Number(n) + offset}`);
    return `w${index} AS (${sql})`;
  });
  const reads = writes.flatMap((write, index) =>
    /^\s*SELECT\b/i.test(write.sql) ? [`(SELECT count(*) FROM w${index})`] : [],
  );
  return { sql: `WITH ${parts.join(', ')} SELECT ${reads.join(', ') || '1'}`, params };
}
