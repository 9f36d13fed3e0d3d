import { isDeepStrictEqual } from 'node:util';

/**
 * Whether a value read back from a `jsonb` column is the JSON a request now sends: compared as
 * JSON, not as JavaScript values. The request's body parsed `-0` as negative zero where the
 * stored value reads back 0, and a key whose value is undefined is no key once stored; both
 * are the same JSON. Key order does not matter (jsonb keeps its own).
 */
export function sameJson(stored: unknown, sent: unknown): boolean {
  const asStored = sent === undefined ? null : (JSON.parse(JSON.stringify(sent)) as unknown);
  return isDeepStrictEqual(stored, asStored);
}
