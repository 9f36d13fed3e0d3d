/** One invalid field of a 400 problem. */
export interface FieldError {
  field: string;
  message: string;
}

/**
 * An error answer of the service (`application/problem+json`, RFC 9457), with the problem's
 * fields. `code` is the last segment of `type` (`urn:agentmesh:problem:agent-draining` →
 * `agent-draining`).
 */
export class AgentMeshError extends Error {
  override readonly name = 'AgentMeshError';
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail: string | undefined;
  readonly instance: string | undefined;
  readonly correlationId: string | undefined;
  readonly errors: FieldError[];
  /** How long the service asked us to wait (`Retry-After`), when it did. */
  readonly retryAfterMs: number | undefined;
  /** The parsed body as received (a problem, or whatever a proxy sent). */
  readonly body: unknown;

  constructor(init: {
    status: number;
    type?: string;
    title?: string;
    detail?: string;
    instance?: string;
    correlationId?: string;
    errors?: FieldError[];
    retryAfterMs?: number;
    body?: unknown;
    method?: string;
    url?: string;
  }) {
    const title = init.title ?? `HTTP ${init.status}`;
    super(
      `${init.method ?? ''} ${init.url ?? ''} answered ${init.status} ${title}` +
        (init.detail ? `: ${init.detail}` : '') +
        namedFields(init.errors ?? []),
    );
    this.status = init.status;
    this.type = init.type ?? 'about:blank';
    this.title = title;
    this.detail = init.detail;
    this.instance = init.instance;
    this.correlationId = init.correlationId;
    this.errors = init.errors ?? [];
    this.retryAfterMs = init.retryAfterMs;
    this.body = init.body;
  }

  get code(): string {
    return this.type.slice(this.type.lastIndexOf(':') + 1);
  }
}

/** ` (field: message; ...)` for the fields a problem names, or nothing. */
export function namedFields(errors: FieldError[]): string {
  if (errors.length === 0) return '';
  return ` (${errors.map((field) => `${field.field}: ${field.message}`).join('; ')})`;
}

/** The service could not be reached (connection refused or reset, DNS, timeout). */
export class AgentMeshConnectionError extends Error {
  override readonly name = 'AgentMeshConnectionError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Thrown by a handler: the task fails without a retry (`retryable: false`), the run fails. */
export class NonRetryableError extends Error {
  override readonly name = 'NonRetryableError';
  readonly code: string | undefined;
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = options.code;
  }
}

export type TaskAbortReason = 'lease-lost' | 'shutdown';

/**
 * The reason a handler's `ctx.signal` aborts: the lease is gone (the run was cancelled, the
 * task timed out or was released: the service answered 409 or 404), or the worker stopped
 * and its grace period ended.
 */
export class TaskAbortedError extends Error {
  override readonly name = 'TaskAbortedError';
  constructor(
    readonly reason: TaskAbortReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** `waitForCompletion` ran out of time; the run is still going. */
export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
}
