import type { FastifyInstance } from 'fastify';

/** How often, while the server closes, connections that became idle are closed. */
const SWEEP_EVERY_MS = 50;

/**
 * Closes each kept-alive connection as soon as it is idle once the server is closing.
 * `forceCloseConnections: 'idle'` closes only those idle at the moment the server closes: a
 * response still being written then (a waiting claim the shutdown ended, answered an empty
 * list) left its connection open, and the close waiting for it, until the keep-alive timeout
 * ran out (72 s). In-flight requests are still answered; only idle sockets are closed.
 */
export function closeConnectionsAsTheyIdle(fastify: FastifyInstance): void {
  fastify.addHook('preClose', (done) => {
    const server = fastify.server;
    const timer = setInterval(() => server.closeIdleConnections(), SWEEP_EVERY_MS);
    timer.unref();
    server.once('close', () => clearInterval(timer));
    done();
  });
}
