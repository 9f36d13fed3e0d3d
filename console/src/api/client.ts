import type { Problem } from './types';

/** A problem+json answer (or a network failure dressed as one), as the console shows it. */
export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(`${problem.title}: ${problem.detail}`);
  }
  get status(): number {
    return this.problem.status;
  }
}

export interface Credentials {
  key: string;
  /** A platform admin acting in another tenant (X-Tenant-Id). */
  tenantId?: string;
}

export const API_BASE = '/api/v1';

/** Headers every call carries: the key as the API takes it, never in a URL. */
export function authHeaders(credentials: Credentials): Record<string, string> {
  const headers: Record<string, string> = { authorization: `Bearer ${credentials.key}` };
  if (credentials.tenantId) headers['x-tenant-id'] = credentials.tenantId;
  return headers;
}

/**
 * The console's one client: JSON in and out, problem+json turned into ApiError. The SDK's own
 * client imports node:crypto, so the console keeps this small fetch wrapper and takes its types
 * from the SDK's generated OpenAPI types instead.
 */
export class Api {
  constructor(
    readonly credentials: Credentials,
    private readonly fetcher: typeof fetch = (input, init) => fetch(input, init),
  ) {}

  get<T>(path: string, query?: Record<string, string | number | undefined>): Promise<T> {
    return this.request<T>('GET', withQuery(path, query));
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers = authHeaders(this.credentials);
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await this.fetcher(`${API_BASE}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new ApiError({
        type: 'urn:agentmesh:problem:network',
        title: 'The service cannot be reached',
        status: 0,
        detail: error instanceof Error ? error.message : String(error),
        instance: path,
        correlationId: '',
      });
    }
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    const json: unknown = text ? safeJson(text) : undefined;
    if (!response.ok) throw new ApiError(toProblem(json, response, path));
    return json as T;
  }
}

export function withQuery(path: string, query?: Record<string, string | number | undefined>) {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(name, String(value));
  }
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The problem body when there is one; else one made from the status and correlation id. */
export function toProblem(json: unknown, response: Response, path: string): Problem {
  const body = (json ?? {}) as Partial<Problem>;
  return {
    type: body.type ?? 'about:blank',
    title: body.title ?? (response.statusText || `HTTP ${response.status}`),
    status: body.status ?? response.status,
    detail: body.detail ?? 'The service answered without details.',
    instance: body.instance ?? path,
    correlationId: body.correlationId ?? response.headers.get('x-request-id') ?? '',
    errors: body.errors,
  };
}
