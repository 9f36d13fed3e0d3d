/**
 * Time periods of the history tables' partitions. The tables are range-partitioned on their
 * UUIDv7 id, whose first 48 bits are the creation time in milliseconds: a period [from, to)
 * is the id range [bound(from), bound(to)), so the primary key stays `(id)` and a lookup by id
 * prunes to one partition.
 */
export const PARTITION_INTERVALS = ['day', 'week', 'month'] as const;
export type PartitionInterval = (typeof PARTITION_INTERVALS)[number];

/** A half-open range of milliseconds since the epoch. */
export interface Period {
  from: number;
  to: number;
}

const DAY_MS = 86_400_000;

/** Start (UTC midnight; Monday for weeks; the 1st for months) of the period holding `ms`. */
export function periodStart(ms: number, interval: PartitionInterval): number {
  const day = Math.floor(ms / DAY_MS) * DAY_MS;
  switch (interval) {
    case 'day':
      return day;
    case 'week':
      // 1970-01-01 was a Thursday: shift so weeks start on Monday.
      return day - ((new Date(day).getUTCDay() + 6) % 7) * DAY_MS;
    case 'month': {
      const date = new Date(day);
      return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
    }
  }
}

/** Start of the period after the one starting at `start`. */
export function nextPeriodStart(start: number, interval: PartitionInterval): number {
  switch (interval) {
    case 'day':
      return start + DAY_MS;
    case 'week':
      return start + 7 * DAY_MS;
    case 'month': {
      const date = new Date(start);
      return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
    }
  }
}

/** The current period and the `ahead` after it. */
export function periodsFrom(now: number, interval: PartitionInterval, ahead: number): Period[] {
  const periods: Period[] = [];
  let from = periodStart(now, interval);
  for (let i = 0; i <= ahead; i += 1) {
    const to = nextPeriodStart(from, interval);
    periods.push({ from, to });
    from = to;
  }
  return periods;
}

/** The smallest UUIDv7 of millisecond `ms`: every id made at or after `ms` sorts after it. */
export function uuidBound(ms: number): string {
  const hex = Math.max(0, Math.min(ms, 2 ** 48 - 1))
    .toString(16)
    .padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}

/** The millisecond a UUIDv7 was made at (its first 48 bits). */
export function uuidMs(uuid: string): number {
  return parseInt(uuid.replace(/-/g, '').slice(0, 12), 16);
}

/**
 * The parts of `wanted` no existing partition covers, so partitions of another interval (the
 * monthly ones a migration made, say) are never overlapped: a new one only fills the gaps.
 */
export function uncovered(wanted: Period, taken: readonly Period[]): Period[] {
  let gaps: Period[] = [wanted];
  for (const t of taken) {
    gaps = gaps.flatMap((gap) => {
      if (t.to <= gap.from || t.from >= gap.to) return [gap];
      const left = t.from > gap.from ? [{ from: gap.from, to: t.from }] : [];
      const right = t.to < gap.to ? [{ from: t.to, to: gap.to }] : [];
      return [...left, ...right];
    });
  }
  return gaps;
}

/** `events_p20261201`: the table and the UTC day the partition starts. */
export function partitionName(table: string, from: number): string {
  return `${table}_p${new Date(from).toISOString().slice(0, 10).replace(/-/g, '')}`;
}

/**
 * The period of a partition from its bound expression (`pg_get_expr(relpartbound, oid)`);
 * null for the default partition.
 */
export function parsePartitionBound(expression: string): Period | null {
  const match = /FROM \((MINVALUE|'[0-9a-f-]{36}')\) TO \((MAXVALUE|'[0-9a-f-]{36}')\)/.exec(
    expression,
  );
  if (!match) return null;
  const value = (bound: string, open: number) =>
    bound.startsWith("'") ? uuidMs(bound.slice(1, -1)) : open;
  return { from: value(match[1], 0), to: value(match[2], Number.POSITIVE_INFINITY) };
}
