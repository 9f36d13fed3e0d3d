import type { Logger } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';

const GUARDED = Symbol('agentmesh.client-error-listener');

/**
 * Keeps a pooled connection that PostgreSQL ends while it is checked out (a restart, a
 * failover, `pg_terminate_backend`) from ending the process. pg-pool listens for a client's
 * `error` only while the client is idle, and TypeORM only while a query runner holds it; the
 * outbox dispatcher, the prepared statements and the read snapshots hold clients of their own,
 * and a client's `error` with no listener is thrown as an uncaught exception. This listener,
 * added on a client's first checkout and kept for its life, logs the loss; the statements on
 * it fail (503 `database-unavailable`) and the pool drops it when it is released.
 */
export function guardClientErrors(pool: Pool, log: Logger): void {
  pool.on('acquire', (client: PoolClient) => {
    const guarded = client as PoolClient & { [GUARDED]?: true };
    if (guarded[GUARDED]) return;
    guarded[GUARDED] = true;
    client.on('error', (error: Error & { code?: string }) => {
      log.warn({ err: error.message, code: error.code }, 'A database connection in use was lost');
    });
  });
}
