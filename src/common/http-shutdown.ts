import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { sendShuttingDown } from './errors/framework-errors';

/** How often, while the server closes, connections that became idle are closed. */
const SWEEP_EVERY_MS = 50;

/**
 * Closes each kept-alive connection as soon as it is idle once the server is closing.
 * `forceCloseConnections: 'idle'` closes only those idle at the moment the server closes: a
 * response still being written then (a waiting claim the shutdown ended, answered an empty
 * list) left its connection open, and the close waiting for it, until the keep-alive timeout
 * ran out (72 s). In-flight requests are still answered; only idle sockets are closed.
 *
 * Node counts a connection as busy until its first request has been answered: one opened but
 * not used yet (a client's pool warming up, a load balancer's pre-opened connection) is never
 * idle to `closeIdleConnections`, and held the close until the headers timeout (60 s). Those
 * are closed too, as long as not a byte of a request has arrived on them.
 */
export function closeConnectionsAsTheyIdle(fastify: FastifyInstance): void {
  const unused = new Set<Socket>();
  const server = fastify.server;
  server.on('connection', (socket: Socket) => {
    unused.add(socket);
    socket.once('close', () => unused.delete(socket));
  });
  // Not a 'data' listener on the socket: Node would then feed its HTTP parser through
  // JavaScript instead of reading the socket natively, on every connection.
  server.on('request', (request: { socket: Socket }) => unused.delete(request.socket));
  fastify.addHook('preClose', (done) => {
    const sweep = () => {
      server.closeIdleConnections();
      // A byte read is a request begun (its headers not complete yet): that one is answered.
      for (const socket of unused) if (socket.bytesRead === 0) socket.destroy();
    };
    sweep();
    const timer = setInterval(sweep, SWEEP_EVERY_MS);
    timer.unref();
    server.once('close', () => clearInterval(timer));
    done();
  });
}

/**
 * From SIGTERM on (`draining()`, while readiness is 503 for SHUTDOWN_DELAY_MS), every answer
 * (those of requests that began before it included) carries `Connection: close`: each
 * kept-alive client opens its next connection anew, through the load balancer to another
 * replica, instead of sending on one this replica will close (a request caught in that close is
 * reset, and its client cannot tell whether it ran).
 *
 * Refuses, as problem+json, a request that still reaches the server while it closes: one sent
 * on a kept-alive connection that was busy when the close began (only idle ones are closed).
 * It is answered 503 `shutting-down` with `Connection: close` and `Retry-After`, so that the
 * client sends it again on a new connection, to another replica. Fastify's own refusal
 * (`return503OnClosing`) is a bare `application/json` body without our headers. Registered
 * before any other hook: nothing else of the request runs.
 */
export function refuseRequestsWhileClosing(
  fastify: FastifyInstance,
  draining: () => boolean,
): void {
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    if (closing) return sendShuttingDown(request, reply);
    if (draining()) void reply.header('connection', 'close');
    done();
  });
  // A request that began before SIGTERM and is answered after it (a waiting claim the drain
  // ends, a long write) says so too: its client's next request would otherwise go out on a
  // connection the close is about to end, and be reset.
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (draining()) void reply.header('connection', 'close');
    done(null, payload);
  });
}
