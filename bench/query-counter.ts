import { writeFileSync } from 'node:fs';
import { Client } from 'pg';

/**
 * Counts what a process sends PostgreSQL through `pg`: every `Client.query` is one round trip
 * (a named prepared statement too, after its first parse), and BEGIN / START TRANSACTION opens
 * an explicit transaction. Loaded into the service with `node --require` (QUERY_COUNT_FILE set:
 * SIGUSR2 writes the counts there as JSON) or imported by the bench for an in-process peer.
 */
export interface QueryCounts {
  queries: number;
  transactions: number;
  /** Round trips by statement: its first words, whitespace folded (see `statementName`). */
  byStatement?: Record<string, number>;
}

export const queryCounts: QueryCounts & { byStatement: Record<string, number> } = {
  queries: 0,
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
    queryCounts.queries += 1;
    const first = args[0];
    const text = typeof first === 'string' ? first : (first as { text?: unknown } | null)?.text;
    if (typeof text === 'string') {
      if (BEGINS.test(text)) queryCounts.transactions += 1;
      const name = statementName(text);
      queryCounts.byStatement[name] = (queryCounts.byStatement[name] ?? 0) + 1;
    }
    return original.apply(this, args);
  };
}

const file = process.env.QUERY_COUNT_FILE;
if (file) {
  process.on('SIGUSR2', () => writeFileSync(file, JSON.stringify(queryCounts)));
}
