import type { CallOptions, Transport } from '../http';
import type { Page } from '../types';

interface ListBody {
  data: Record<string, unknown>;
  meta?: { nextCursor?: string | null };
}

/** One page of `{data: {<collection>: [...]}, meta: {nextCursor}}`. */
export async function listPage<T>(
  http: Transport,
  path: string,
  collection: string,
  query: object = {},
  options: Pick<CallOptions, 'signal'> = {},
): Promise<Page<T>> {
  const body = await http.json<ListBody>('GET', path, { query, signal: options.signal });
  return {
    items: (body.data[collection] ?? []) as T[],
    nextCursor: body.meta?.nextCursor ?? null,
  };
}

/** Every item of a list, page after page. */
export async function* listAll<T>(
  http: Transport,
  path: string,
  collection: string,
  query: object = {},
): AsyncGenerator<T> {
  let cursor: string | undefined;
  do {
    const page = await listPage<T>(http, path, collection, { ...query, cursor });
    yield* page.items;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}
