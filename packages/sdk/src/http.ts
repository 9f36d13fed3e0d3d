import { AgentMeshConnectionError, AgentMeshError, type FieldError } from './errors';
import {
  backoffDelay,
  DEFAULT_RETRY,
  isRetryableStatus,
  parseRetryAfter,
  sleep,
  type RetryOptions,
} from './retry';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface TransportOptions {
  /** Where the service is, e.g. `http://127.0.0.1:3000` (the `/api/v1` prefix is added). */
  baseUrl: string;
  apiKey: string;
  /** Retry policy for safe calls; `false` never retries. */
  retry?: RetryOptions | false;
  /** A fetch of your own (tests, proxies, instrumentation); the global fetch by default. */
  fetch?: FetchLike;
  /** Extra headers sent on every call. */
  headers?: Record<string, string>;
  /** Called before each retry: for logs and metrics. */
  onRetry?: (info: RetryInfo) => void;
}

export interface RetryInfo {
  method: string;
  path: string;
  /** The retry about to be made (1 = the second attempt). */
  retry: number;
  delayMs: number;
  error: AgentMeshError | AgentMeshConnectionError;
}

export type QueryValue = string | number | boolean | null | undefined;

export interface CallOptions {
  query?: object;
  body?: unknown;
  /** Repeat on network errors, 429 and 503. Default: GET, PUT, DELETE and keyed POSTs. */
  retry?: boolean;
  /** Send `Idempotency-Key`: `true` makes one for this logical call (the same on retries). */
  idempotencyKey?: string | boolean;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

/** HTTP with auth, problem+json errors and retries; every resource goes through it. */
export class Transport {
  private readonly baseUrl: string;
  private readonly retryOptions: Required<RetryOptions> | false;
  private readonly fetchImpl: FetchLike;

  constructor(private readonly options: TransportOptions) {
    if (!options.baseUrl) throw new TypeError('baseUrl is required');
    if (!options.apiKey) throw new TypeError('apiKey is required');
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.retryOptions = options.retry === false ? false : { ...DEFAULT_RETRY, ...options.retry };
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /** The parsed JSON body (undefined for 204). */
  async json<T>(method: string, path: string, options: CallOptions = {}): Promise<T> {
    const response = await this.send(method, path, options);
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      // Another server at the base URL (a proxy's page, a web server): say so, not SyntaxError.
      const type = response.headers.get('content-type') || 'no content type';
      throw new AgentMeshError({
        status: response.status,
        title: 'Not an AgentMesh answer',
        detail: `the answer is ${type}, not JSON: is the base URL the service's?`,
        body: text.slice(0, 1_000),
        method,
        url: this.url(path, options.query),
      });
    }
  }

  /** The `data` of a `{data: ...}` answer. */
  async data<T>(method: string, path: string, options: CallOptions = {}): Promise<T> {
    const body = await this.json<{ data: T }>(method, path, options);
    return body.data;
  }

  /** The successful response itself (streams, NDJSON). */
  async send(method: string, path: string, options: CallOptions = {}): Promise<Response> {
    const key =
      options.idempotencyKey === true
        ? globalThis.crypto.randomUUID()
        : options.idempotencyKey || undefined;
    const safe = options.retry ?? (SAFE_METHODS.has(method) || key !== undefined);
    const policy = safe ? this.retryOptions : false;
    const url = this.url(path, options.query);
    const headers: Record<string, string> = {
      accept: 'application/json',
      authorization: `Bearer ${this.options.apiKey}`,
      ...this.options.headers,
      ...options.headers,
    };
    if (key) headers['idempotency-key'] = key;
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    for (let attempt = 1; ; attempt += 1) {
      let failure: AgentMeshError | AgentMeshConnectionError;
      try {
        const response = await this.fetchImpl(url, {
          method,
          headers,
          body,
          signal: options.signal,
        });
        if (response.ok) return response;
        failure = await problemOf(response, method, url);
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason;
        if (error instanceof AgentMeshError) throw error;
        // fetch says only "fetch failed": why (refused, DNS, reset) is in its cause.
        const cause = (error as { cause?: { message?: unknown } }).cause;
        const why =
          typeof cause?.message === 'string' && cause.message ? ` (${cause.message})` : '';
        failure = new AgentMeshConnectionError(
          `${method} ${url} failed: ${(error as Error).message}${why}`,
          { cause: error },
        );
      }
      const retryable =
        failure instanceof AgentMeshConnectionError || isRetryableStatus(failure.status);
      if (!policy || !retryable || attempt >= policy.maxAttempts) throw failure;
      const asked = failure instanceof AgentMeshError ? failure.retryAfterMs : undefined;
      if (asked !== undefined && asked > policy.maxRetryAfterMs) throw failure;
      const delayMs = asked ?? backoffDelay(attempt, policy);
      this.options.onRetry?.({ method, path, retry: attempt, delayMs, error: failure });
      await sleep(delayMs, options.signal);
    }
  }

  private url(path: string, query?: object): string {
    const url = new URL(`${this.baseUrl}/api/v1${path}`);
    for (const [name, value] of Object.entries(query ?? {}) as Array<[string, QueryValue]>) {
      if (value !== undefined && value !== null) url.searchParams.set(name, String(value));
    }
    return url.toString();
  }
}

/** `encodeURIComponent` for a path segment. */
export const segment = (value: string): string => encodeURIComponent(value);

async function problemOf(response: Response, method: string, url: string): Promise<AgentMeshError> {
  const text = await response.text().catch(() => '');
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON (a proxy's HTML page): keep the text.
  }
  const problem = (typeof body === 'object' && body !== null ? body : {}) as Record<
    string,
    unknown
  >;
  const text_ = (field: string) => {
    const value = problem[field];
    return typeof value === 'string' ? value : undefined;
  };
  return new AgentMeshError({
    status: response.status,
    type: text_('type'),
    title: text_('title') ?? (response.statusText || undefined),
    detail: text_('detail'),
    instance: text_('instance'),
    correlationId: text_('correlationId') ?? response.headers.get('x-request-id') ?? undefined,
    errors: Array.isArray(problem.errors) ? (problem.errors as FieldError[]) : [],
    retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
    body,
    method,
    url,
  });
}
