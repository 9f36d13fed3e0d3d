import { AsyncLocalStorage } from 'node:async_hooks';

export type ActorType = 'apiKey' | 'agent' | 'system';

export interface Actor {
  type: ActorType;
  id: string;
}

/** What one request (or one background job) knows about itself; read by logs, audit, errors. */
export interface RequestContext {
  correlationId: string;
  /** The route template (`/api/v1/tasks/:id`), for the slow-statement log. */
  route?: string;
  ip?: string;
  userAgent?: string;
  tenantId?: string;
  /** The tenant the key belongs to (differs from tenantId when an admin sent X-Tenant-Id). */
  keyTenantId?: string;
  actor?: Actor;
  /** Scopes of the authenticated key; `*` is a platform admin. */
  scopes?: readonly string[];
  /** Set when the key is bound to one agent. */
  agentId?: string;
  apiKeyId?: string;
  /** When the key expires (epoch ms), if it does: a live stream ends then. */
  apiKeyExpiresAt?: number;
  /** The Idempotency-Key this request holds; `committed` once a change of it committed. */
  idempotency?: { tenantId: string; key: string; committed: boolean };
}

/**
 * What the process's one async-local store holds: the request (or job) context and, with
 * tracing on, the active OpenTelemetry context (`common/tracing/context-manager.ts` keeps it
 * here rather than in an AsyncLocalStorage of its own). Node 20's AsyncLocalStorage copies
 * each enabled store onto every promise and callback the process creates, so every store
 * costs every request; one store for both halves what tracing added.
 */
export interface AsyncFrame {
  readonly request: RequestContext | undefined;
  /** An OpenTelemetry `Context` (typed loosely: this module does not load the API). */
  readonly trace: unknown;
}

const storage = new AsyncLocalStorage<AsyncFrame>();

export const requestContext = {
  /** Runs `fn` in `context`; the active trace context (if any) stays active. */
  run<T>(context: RequestContext, fn: () => T): T {
    return storage.run({ request: context, trace: storage.getStore()?.trace }, fn);
  },
  get(): RequestContext | undefined {
    return storage.getStore()?.request;
  },
  /** The current context; throws when called outside a request or job (a programming error). */
  require(): RequestContext {
    const context = storage.getStore()?.request;
    if (!context) throw new Error('No request context: call inside a request or a job');
    return context;
  },
};

/** The async-local store itself, for the tracing context manager and the request hook only. */
export const asyncFrames = {
  current(): AsyncFrame | undefined {
    return storage.getStore();
  },
  /** Runs `fn` in `frame`; undefined runs it outside any request, job or trace. */
  run<A extends unknown[], R>(frame: AsyncFrame | undefined, fn: (...args: A) => R, ...args: A): R {
    return storage.run(frame as AsyncFrame, fn, ...args);
  },
};

/** The tenant of the current request; every repository query is filtered by it. */
export function currentTenantId(): string {
  const tenantId = requestContext.get()?.tenantId;
  if (!tenantId) throw new Error('No tenant in the request context: is the route public?');
  return tenantId;
}
