import type { Logger } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';

const GUARDED = Symbol('agentmesh.client-error-listener');
const CHECKED_OUT = Symbol('agentmesh.client-checked-out');
const LOST = Symbol('agentmesh.client-lost');

interface GuardedClient {
  [GUARDED]?: true;
  [CHECKED_OUT]?: boolean;
  [LOST]?: true;
  /** pg's own: set once the client's `end()` was called. */
  _ending?: boolean;
}

/**
 * Keeps a pooled connection that PostgreSQL ends while it is checked out (a restart, a
 * failover, `pg_terminate_backend`) from ending the process. pg-pool listens for a client's
 * `error` only while the client is idle, and TypeORM only while a query runner holds it; the
 * outbox dispatcher, the prepared statements and the read snapshots hold clients of their own,
 * and a client's `error` with no listener is thrown as an uncaught exception. This listener,
 * added on a client's first checkout and kept for its life, logs the loss of a connection in
 * use, once; the statements on it fail (503 `database-unavailable`) and the pool drops it when
 * it is released. An idle connection's loss is the pool's (it drops it, the next checkout
 * connects anew), and one this process was closing (the pool's end at shutdown, which does not
 * wait for the server to read the goodbye, with the embedded database stopping right after)
 * lost nothing: neither is logged.
 */
export function guardClientErrors(pool: Pool, log: Logger): void {
  pool.on('acquire', (client: PoolClient) => {
    const guarded = client as PoolClient & GuardedClient;
    guarded[CHECKED_OUT] = true;
    if (guarded[GUARDED]) return;
    guarded[GUARDED] = true;
    client.on('error', (error: Error & { code?: string }) => {
      // Once: the server's message ("terminating connection") and the socket's end that
      // follows it are one loss.
      if (!guarded[CHECKED_OUT] || guarded._ending || guarded[LOST]) return;
      guarded[LOST] = true;
      log.warn({ err: error.message, code: error.code }, 'A database connection in use was lost');
    });
  });
  pool.on('release', (_error: Error | undefined, client: PoolClient) => {
    (client as PoolClient & GuardedClient)[CHECKED_OUT] = false;
  });
}
