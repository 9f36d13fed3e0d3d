import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { aroundRouteHandlers } from './route-handlers';

/**
 * Counts the route handlers running, and holds the application's shutdown until they are
 * done. The HTTP server's close waits for connections, not for handlers: a request whose
 * client went away (a load balancer's timeout, a killed client) keeps running its handler, and
 * without this the pool closed under its transaction (its connection handed, mid-transaction,
 * to whichever statement waited for one). Registered in the root module, whose shutdown hook
 * Nest runs after the HTTP server has closed (no request starts any more) and before the
 * TypeORM module's, which closes the pool (test/shutdown-in-flight.e2e-spec.ts checks it).
 * Long-lived handlers end on their own at shutdown: streams and waiting claims are ended before
 * the server closes. The whole shutdown is bounded by `SHUTDOWN_GRACE_MS` (src/shutdown.ts).
 * The count wraps each route's handler (`aroundRouteHandlers`), not a Nest interceptor.
 */
@Injectable()
export class InFlightHandlers implements OnApplicationShutdown {
  private running = 0;
  private waiters: Array<() => void> = [];

  /** Counts the handlers of the routes `fastify` registers from now on (before `app.init()`). */
  countRoutesOf(fastify: FastifyInstance): void {
    aroundRouteHandlers(fastify, () => {
      this.running += 1;
      return () => this.done();
    });
  }

  /** Resolves once no handler runs. */
  idle(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  onApplicationShutdown(): Promise<void> {
    return this.idle();
  }

  private done(): void {
    this.running -= 1;
    if (this.running === 0) for (const resolve of this.waiters.splice(0)) resolve();
  }
}
