import { ApiError } from './client';

export interface Entry<T = unknown> {
  data?: T;
  error?: ApiError;
  loading: boolean;
  /** Set by invalidate(): the data is shown but fetched again by whoever watches it. */
  stale: boolean;
}

const EMPTY: Entry = { loading: false, stale: true };

/**
 * The console's fetch-with-cache layer (a small stand-in for TanStack Query): one entry per
 * key, one request in flight per key however many components watch it, entries replaced (never
 * mutated) so React sees each change, and invalidation by key prefix after a write.
 */
export class QueryCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private readonly listeners = new Map<string, Set<() => void>>();

  get<T>(key: string): Entry<T> {
    return (this.entries.get(key) ?? EMPTY) as Entry<T>;
  }

  subscribe(key: string, listener: () => void): () => void {
    let set = this.listeners.get(key);
    if (!set) this.listeners.set(key, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(key);
    };
  }

  /** Loads the key unless a load is already running; errors are kept, never thrown. */
  fetch<T>(key: string, loader: () => Promise<T>): Promise<unknown> {
    const running = this.inFlight.get(key);
    if (running) return running;
    this.set(key, { ...this.get(key), loading: true });
    const promise = loader().then(
      (data) => this.set(key, { data, loading: false, stale: false }),
      (error: unknown) =>
        this.set(key, {
          data: this.get(key).data,
          error: error instanceof ApiError ? error : unexpected(error),
          loading: false,
          stale: false,
        }),
    );
    const tracked = promise.finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, tracked);
    return tracked;
  }

  /** Marks every key starting with one of the prefixes stale and tells its watchers. */
  invalidate(...prefixes: string[]): void {
    for (const [key, entry] of this.entries) {
      if (prefixes.some((prefix) => key.startsWith(prefix)))
        this.set(key, { ...entry, stale: true });
    }
  }

  private set(key: string, entry: Entry): void {
    this.entries.set(key, entry);
    for (const listener of this.listeners.get(key) ?? []) listener();
  }
}

function unexpected(error: unknown): ApiError {
  return new ApiError({
    type: 'urn:agentmesh:problem:console',
    title: 'Unexpected error',
    status: 0,
    detail: error instanceof Error ? error.message : String(error),
    instance: '',
    correlationId: '',
  });
}
