import { Client } from 'pg';

/**
 * Fails the test during which a pg client is sent a query while it still runs one. pg 8 queues
 * it and prints a DeprecationWarning once per process; pg 9 will refuse it. This watches the
 * same condition pg checks (its queue is not empty), on every call, with the caller's stack.
 */
const overlaps: string[] = [];
type QueueingClient = { _queryQueue?: unknown[]; pipeline?: boolean };
const query = Client.prototype.query as (...args: unknown[]) => unknown;

Client.prototype.query = function guardedQuery(this: QueueingClient, ...args: unknown[]) {
  if ((this._queryQueue?.length ?? 0) > 0 && !this.pipeline) {
    overlaps.push(new Error('overlapping query').stack ?? '');
  }
  return query.apply(this, args);
} as typeof Client.prototype.query;

afterEach(() => {
  if (overlaps.length === 0) return;
  const found = overlaps.splice(0);
  throw new Error(
    `A pg client was sent ${found.length} quer${found.length === 1 ? 'y' : 'ies'} while running ` +
      `another; the first:\n${found[0]}`,
  );
});

afterAll(() => {
  Client.prototype.query = query as typeof Client.prototype.query;
});
