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
  /** The Idempotency-Key this request holds; `committed` once a change of it committed. */
  idempotency?: { tenantId: string; key: string; committed: boolean };
}

const storage = new AsyncLocalStorage<RequestContext>();

export const requestContext = {
  run<T>(context: RequestContext, fn: () => T): T {
    return storage.run(context, fn);
  },
  get(): RequestContext | undefined {
    return storage.getStore();
  },
  /** The current context; throws when called outside a request or job (a programming error). */
  require(): RequestContext {
    const context = storage.getStore();
    if (!context) throw new Error('No request context: call inside a request or a job');
    return context;
  },
};

/** The tenant of the current request; every repository query is filtered by it. */
export function currentTenantId(): string {
  const tenantId = requestContext.get()?.tenantId;
  if (!tenantId) throw new Error('No tenant in the request context: is the route public?');
  return tenantId;
}
