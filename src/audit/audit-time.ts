import type { RequestContext } from '../common/context/request-context';
import { uuidv7Run } from '../common/ids';

/**
 * An audit entry's `occurred_at` as SQL: the database's clock, as the ISO text the hash chain
 * covers (microseconds, UTC). Every statement that writes audit entries, and the sealer's clock,
 * use this one expression, so the chained text has one format.
 */
export const AUDIT_NOW_SQL = `to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * Ids for the audit entries (or events) one statement writes, ascending: the sealer chains a
 * transaction's entries in id order, so it chains them in the order the statement writes them
 * (UUIDv7s of one millisecond are otherwise unordered): a monotonic run of UUIDv7s.
 */
export function ascendingIds(count: number): string[] {
  return uuidv7Run(count);
}

/**
 * Who a statement's audit entries are by, from the request context they are written in: actor
 * type and id (the system when there is none), correlation id, IP and user agent, as the audit
 * service records them.
 */
export function auditContextParameters(context: RequestContext | undefined): unknown[] {
  return [
    context?.actor?.type ?? 'system',
    context?.actor?.id ?? 'agentmesh',
    context?.correlationId ?? null,
    context?.ip ?? null,
    context?.userAgent?.slice(0, 512) ?? null,
  ];
}
