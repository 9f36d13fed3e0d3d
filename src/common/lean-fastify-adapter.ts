import { FastifyAdapter } from '@nestjs/platform-fastify';

/**
 * The Fastify adapter without @fastify/middie unless something needs it. Nest registers middie
 * (Express-style middleware) at init, and its onRequest hook then runs on every request; this
 * application has no Nest middleware (cross-cutting work is in Fastify hooks). Should a module
 * ever add middleware, Nest registers middie on demand (`createMiddlewareFactory`) and a
 * middleware added with `app.use()` before init still gets it here.
 */
export class LeanFastifyAdapter extends FastifyAdapter {
  override async init(): Promise<void> {
    const pending = (this as unknown as { pendingMiddlewares?: unknown[] }).pendingMiddlewares;
    if (pending && pending.length > 0) await super.init();
  }
}
