import { Injectable, Logger } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { requestContext } from '../common/context/request-context';
import { MARK_COMMITTED_SQL } from '../common/idempotency/idempotency.store';
import { ConnectionLostError } from './database-errors';
import { preparedConfig } from './prepared';

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
 *
 * The transaction's own statements cost no round trip of their own: its connection is put in
 * pipeline mode (node-postgres) for its duration, so BEGIN is sent and the work's first
 * statement follows it without waiting for its answer, and COMMIT follows the last write the
 * same way. A COMMIT after a statement that failed ends the transaction as a rollback, so the
 * last write's failure still leaves nothing behind. Pipelining is turned off again before the
 * connection goes back to the pool, every statement answered. In pipeline mode node-postgres
 * refuses a query that keeps a portal open (a cursor, a query stream, `rows`): none may run
 * inside a unit of work.
 */
@Injectable()
export class UnitOfWork {
  private readonly logger = new Logger(UnitOfWork.name);

  constructor(private readonly dataSource: DataSource) {}

  /**
   * `options.statementTimeoutMs`: this transaction's statements may each take that long, not
   * DB_STATEMENT_TIMEOUT_MS (`SET LOCAL`, and the driver's read timeout a second past it): for
   * a second try of work whose first ran out of time doing what grows with the data it moves.
   */
  async run<T>(
    work: (tx: Transaction) => Promise<T>,
    options: { statementTimeoutMs?: number } = {},
  ): Promise<T> {
    const callbacks: Array<() => void | Promise<void>> = [];
    // A request holding an Idempotency-Key marks it in the change's own transaction (no extra
    // round trip: it joins the audit and event writes), so the key outlives any later failure.
    const idempotency = requestContext.get()?.idempotency;
    const markKey = idempotency !== undefined && !idempotency.committed;
    const runner = this.dataSource.createQueryRunner();
    let client: PipelinedClient | undefined;
    let began: Promise<unknown> | undefined;
    let extended: (() => void) | undefined;
    let value: T;
    try {
      client = (await runner.connect()) as PipelinedClient;
      client.pipeline = true;
      began = client.query('BEGIN');
      // Answered before anything that follows it; awaited at the end, or on failure.
      began.catch(() => undefined);
      if (options.statementTimeoutMs !== undefined) {
        extended = longerTimeout(client, options.statementTimeoutMs);
      }
      // TypeORM's own calls (a pessimistic lock, a save) see the transaction as theirs.
      (runner as { isTransactionActive: boolean }).isTransactionActive = true;
      const beforeCommit: Array<() => Promise<void>> = [];
      const writes: Array<{ sql: string; params: unknown[] }> = [];
      const tx: Transaction = {
        manager: runner.manager,
        beforeCommit: (callback) => beforeCommit.push(callback),
        writeBeforeCommit: (sql, params) => writes.push({ sql, params }),
        afterCommit: (callback) => callbacks.push(callback),
      };
      value = await work(tx);
      if (markKey)
        writes.push({ sql: MARK_COMMITTED_SQL, params: [idempotency.tenantId, idempotency.key] });
      // A callback may register another (a flush that buffers more): run until none is left.
      for (let index = 0; index < beforeCommit.length; index += 1) await beforeCommit[index]();
      await began;
      const last =
        writes.length > 0 ? client.query(preparedConfig(combineWrites(writes))) : undefined;
      const committed = client.query('COMMIT');
      // Both answered before either is judged. After a failed write the COMMIT rolls back; a
      // COMMIT that fails has rolled back too: the transaction is over either way.
      const [written, commit] = await Promise.allSettled([last, committed]);
      began = undefined;
      if (written.status === 'rejected') throw written.reason;
      if (commit.status === 'rejected') throw commit.reason;
    } catch (error) {
      // Released before our own release: TypeORM lets the connection go when it is lost.
      const lost = runner.isReleased;
      if (client && began && !lost) {
        await began.catch(() => undefined);
        await client.query('ROLLBACK').catch(() => undefined);
      }
      throw lost ? new ConnectionLostError(error) : error;
    } finally {
      (runner as { isTransactionActive: boolean }).isTransactionActive = false;
      if (client) client.pipeline = false;
      extended?.();
      await runner.release();
    }
    if (markKey) idempotency.committed = true;
    for (const callback of callbacks) {
      try {
        await callback();
      } catch (error) {
        this.logger.warn({ err: error }, 'An after-commit callback failed');
      }
    }
    return value;
  }

  /**
   * Statements that make one transaction and need nothing from each other to be sent: BEGIN,
   * the statements and COMMIT go in one round trip (pipelined), each after the one before has
   * run. Answers each statement's rows. When one fails, those after it fail too (the
   * transaction is aborted), the COMMIT rolls it back, and the first error is thrown. Nothing of
   * the request context's Idempotency-Key is marked: for statements a request may send again
   * (a claim).
   */
  async alone(statements: Array<{ sql: string; params: unknown[] }>): Promise<unknown[][]> {
    const runner = this.dataSource.createQueryRunner();
    const client = (await runner.connect()) as PipelinedClient;
    try {
      client.pipeline = true;
      const sent = [
        client.query('BEGIN'),
        ...statements.map((statement) => client.query(preparedConfig(statement))),
        client.query('COMMIT'),
      ];
      const settled = await Promise.allSettled(sent);
      const failed = settled.find((result) => result.status === 'rejected');
      if (failed) {
        // After a failure the statements behind it failed too, and the COMMIT ended the
        // transaction as a rollback; should the COMMIT itself have failed, it is ended here.
        if (settled[settled.length - 1].status === 'rejected') {
          await client.query('ROLLBACK').catch(() => undefined);
        }
        throw failed.reason;
      }
      return settled
        .slice(1, -1)
        .map((result) => (result as PromiseFulfilledResult<{ rows: unknown[] }>).value.rows);
    } finally {
      client.pipeline = false;
      await runner.release();
    }
  }
}

/**
 * Gives the transaction's statements `ms` each: PostgreSQL's statement_timeout for this
 * transaction (SET LOCAL, pipelined after its BEGIN: its failure fails the statements after it)
 * and node-postgres's read timeout of the connection, a second past it. Answers the undo of the
 * latter, for when the connection goes back to the pool.
 */
function longerTimeout(client: PipelinedClient, ms: number): () => void {
  client
    .query(`SELECT set_config('statement_timeout', $1, true)`, [String(ms)])
    .catch(() => undefined);
  const parameters = (client as unknown as { connectionParameters: { query_timeout?: number } })
    .connectionParameters;
  const previous = parameters.query_timeout;
  parameters.query_timeout = ms + 1_000;
  return () => {
    parameters.query_timeout = previous;
  };
}

/** A pooled connection whose pipeline mode can be turned on while it is idle. */
type PipelinedClient = PoolClient & { pipeline: boolean };

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
