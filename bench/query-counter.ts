import { writeFileSync } from 'node:fs';
import { Client } from 'pg';

/**
 * Counts what a process sends PostgreSQL through `pg`: every `Client.query` is one round trip
 * (a named prepared statement too, after its first parse), unless it is sent while the same
 * connection still waits for an earlier answer (pipeline mode: it rides on that round trip, and
 * is counted as `pipelined`), and BEGIN / START TRANSACTION opens an explicit transaction.
 * Loaded into the service with `node --require` (QUERY_COUNT_FILE set: SIGUSR2 writes the counts
 * there as JSON) or imported by the bench for an in-process peer.
 */
export interface QueryCounts {
  queries: number;
  /** Statements sent behind an unanswered one on the same connection: no round trip of their own. */
  pipelined?: number;
  transactions: number;
  /** Round trips by statement: its first words, whitespace folded (see `statementName`). */
  byStatement?: Record<string, number>;
}

export const queryCounts: QueryCounts & { byStatement: Record<string, number>; pipelined: number } =
  {
    queries: 0,
    pipelined: 0,
    transactions: 0,
    byStatement: {},
  };

/**
 * A statement's first 80 characters, whitespace folded: enough to tell statements apart. Folded
 * once per text (the service sends the same few texts again and again, a claim's being 8 KB):
 * folding each call cost the service 3-4 % of its CPU under the dispatch bench, counted as its own.
 */
export function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = text.slice(0, 1_000).replace(/\s+/g, ' ').trim().slice(0, 80);
    if (names.size < 5_000) names.set(text, name);
  }
  return name;
}

const names = new Map<string, string>();

const BEGINS = /^\s*(BEGIN|START TRANSACTION)\b/i;

type QueryFn = (this: Client, ...args: unknown[]) => unknown;
const proto = Client.prototype as unknown as { query: QueryFn; __counted?: boolean };
if (!proto.__counted) {
  proto.__counted = true;
  const original = proto.query;
  proto.query = function (this: Client, ...args: unknown[]) {
    const waiting = unanswered.get(this) ?? 0;
    const first = args[0];
    const text = typeof first === 'string' ? first : (first as { text?: unknown } | null)?.text;
    if (typeof text === 'string' && BEGINS.test(text)) queryCounts.transactions += 1;
    if (waiting > 0) {
      queryCounts.pipelined += 1;
    } else {
      queryCounts.queries += 1;
      if (typeof text === 'string') {
        const name = statementName(text);
        queryCounts.byStatement[name] = (queryCounts.byStatement[name] ?? 0) + 1;
      }
    }
    unanswered.set(this, waiting + 1);
    const answered = () => unanswered.set(this, (unanswered.get(this) ?? 1) - 1);
    const last = args.length - 1;
    if (typeof args[last] === 'function') {
      const callback = args[last] as (...results: unknown[]) => void;
      args[last] = (...results: unknown[]) => {
        answered();
        callback(...results);
      };
      return original.apply(this, args);
    }
    const result = original.apply(this, args);
    if (result instanceof Promise) result.then(answered, answered);
    else answered();
    return result;
  };
}

/** Per connection, the statements sent and not yet answered. */
const unanswered = new WeakMap<Client, number>();

const file = process.env.QUERY_COUNT_FILE;
if (file) {
  process.on('SIGUSR2', () => writeFileSync(file, JSON.stringify(queryCounts)));
}
