import { useCallback, useEffect, useState, useSyncExternalStore } from 'react';
import { useSession } from '../auth/session';
import type { Api } from './client';
import { ApiError } from './client';
import type { Entry } from './query-cache';

const NOTHING: Entry = { loading: false, stale: false };

export interface QueryResult<T> extends Entry<T> {
  reload(): void;
}

/**
 * Data for one key from the session's cache: fetched when first watched or when stale, shared
 * by every component that watches the same key. `key` null: nothing to fetch (yet).
 */
export function useQuery<T>(key: string | null, loader: (api: Api) => Promise<T>): QueryResult<T> {
  const { session } = useSession();
  const { cache, api } = session;
  const subscribe = useCallback(
    (listener: () => void) => (key ? cache.subscribe(key, listener) : () => undefined),
    [cache, key],
  );
  const entry = useSyncExternalStore(subscribe, () =>
    key ? cache.get<T>(key) : (NOTHING as Entry<T>),
  );
  const reload = useCallback(() => {
    if (key) void cache.fetch(key, () => loader(api));
    // The loader is left out on purpose: the same key always loads the same thing.
  }, [cache, api, key]);
  useEffect(() => {
    if (key && entry.stale && !entry.loading) reload();
  }, [key, entry.stale, entry.loading, reload]);
  return { ...entry, reload };
}

export interface Action<A extends unknown[], R> {
  run(...args: A): Promise<R | undefined>;
  pending: boolean;
  error?: ApiError;
  result?: R;
  reset(): void;
}

/** A write: its pending state, its problem if it failed; invalidates `prefixes` after success. */
export function useAction<A extends unknown[], R>(
  perform: (api: Api, ...args: A) => Promise<R>,
  prefixes: string[] = [],
): Action<A, R> {
  const { session } = useSession();
  const [state, setState] = useState<{ pending: boolean; error?: ApiError; result?: R }>({
    pending: false,
  });
  const run = async (...args: A): Promise<R | undefined> => {
    setState({ pending: true });
    try {
      const result = await perform(session.api, ...args);
      setState({ pending: false, result });
      session.cache.invalidate(...prefixes);
      return result;
    } catch (error) {
      const problem =
        error instanceof ApiError
          ? error
          : new ApiError({
              type: 'urn:agentmesh:problem:console',
              title: 'Invalid input',
              status: 0,
              detail: error instanceof Error ? error.message : String(error),
              instance: '',
              correlationId: '',
            });
      setState({ pending: false, error: problem });
      return undefined;
    }
  };
  return { ...state, run, reset: () => setState({ pending: false }) };
}
