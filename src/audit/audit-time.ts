/**
 * An audit entry's `occurred_at` as SQL: the database's clock, as the ISO text the hash chain
 * covers (microseconds, UTC). Every statement that writes audit entries, and the sealer's clock,
 * use this one expression, so the chained text has one format.
 */
export const AUDIT_NOW_SQL = `to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
