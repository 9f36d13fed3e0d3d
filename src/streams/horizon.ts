import { EVENT_COLUMNS } from '../events/events.service';

/**
 * The next transaction id not yet assigned, read after the snapshot `s` was taken: every
 * transaction running when it was taken has a smaller id. Not `pg_snapshot_xmax`: that is one
 * past the last transaction *completed*, and a transaction that took its id after that one and
 * is still running is not below it (nor in the snapshot's list). `age(x)` is the distance from
 * `x` to the next id (read once per transaction, the statement's here); `x` is the low 32 bits
 * of the snapshot's xmin (at least 3, the first normal id), so the sum keeps xmin's epoch.
 */
const NEXT_XID_SQL = `(pg_snapshot_xmin(s)::text::bigint / 4294967296 * 4294967296
      + greatest(pg_snapshot_xmin(s)::text::bigint % 4294967296, 3)
      + age(greatest(pg_snapshot_xmin(s)::text::bigint % 4294967296, 3)::text::xid))::text`;

/** The highest position at start, and the snapshot it was read in (`xmax`: its id bound). */
export const FEED_START_SQL = `SELECT coalesce((SELECT max(position) FROM events), 0)::text AS max,
    pg_snapshot_xmin(s)::text AS xmin, ${NEXT_XID_SQL} AS xmax
  FROM pg_current_snapshot() s`;

/** The events after a position, and the snapshot (one statement, one snapshot) they came from. */
export const FEED_READ_SQL = `SELECT pg_snapshot_xmin(s)::text AS xmin, ${NEXT_XID_SQL} AS xmax,
    (SELECT coalesce(json_agg(x ORDER BY x.position::bigint), '[]'::json)
       FROM (SELECT ${EVENT_COLUMNS} FROM events e
              WHERE e.position > $1::bigint ORDER BY e.position LIMIT $2) x) AS events
  FROM pg_current_snapshot() s`;

/** What the feed sees of a snapshot's gap: positions up to `upTo` were taken before it. */
interface Observation {
  upTo: bigint;
  /** The id bound of that snapshot: every transaction running then has a smaller id. */
  xmax: bigint;
  round: number;
}

const MAX_OBSERVATIONS = 64;

/**
 * The settled horizon of the outbox: the highest position P such that every event at or below
 * P that will ever commit has committed. A position is taken when the event is inserted, just
 * before COMMIT, so commits can land out of position order, and a rolled-back insert leaves a
 * gap for good. A gap below a visible event was taken by a transaction that was running when
 * that event became visible; once every transaction of that snapshot has ended (a later
 * snapshot's xmin has passed its id bound, the next id unassigned when it was read: see
 * NEXT_XID_SQL) the gap is final: filled (and read) or empty forever.
 * The same watermark the audit sealer uses, applied to positions.
 *
 * The one case it cannot see: a transaction whose first write is the event insert takes its
 * position an instant before its transaction id. Every writer of events here changes state
 * first; the horizon also waits one more read (15 ms or more) before trusting a snapshot.
 */
export class Horizon {
  /** Undefined until the feed has seen two snapshots. */
  position: bigint | undefined;
  /** The last read stopped at a gap that is not final yet. */
  blocked = false;
  private round = 0;
  private first: Observation | undefined;
  private observations: Observation[] = [];

  /** At start: positions up to `max` (visible in this snapshot) are final once it has ended. */
  start(max: bigint, xmin: bigint, xmax: bigint): void {
    this.round += 1;
    if (this.first === undefined) {
      this.first = { upTo: max, xmax, round: this.round };
      return;
    }
    if (xmin >= this.first.xmax) this.position = this.first.upTo;
  }

  /**
   * Takes the events read after the horizon (position order) with their snapshot's xmin and
   * xmax; returns those now settled, in order, and moves the horizon past them.
   */
  advance<T extends { position: string }>(rows: T[], xmin: bigint, xmax: bigint): T[] {
    if (this.position === undefined) throw new Error('the horizon has not started');
    this.round += 1;
    const settled: T[] = [];
    this.blocked = false;
    for (const row of rows) {
      const position = BigInt(row.position);
      if (position > this.position + 1n && !this.isFinal(position - 1n, xmin)) {
        this.observe(position - 1n, xmax);
        this.blocked = true;
        break;
      }
      settled.push(row);
      this.position = position;
    }
    const horizon = this.position;
    this.observations = this.observations.filter((seen) => seen.upTo > horizon);
    return settled;
  }

  /** The gap below `upTo + 1` is final: a snapshot that saw it has ended, and not just now. */
  private isFinal(upTo: bigint, xmin: bigint): boolean {
    return this.observations.some(
      (seen) => seen.upTo >= upTo && seen.round < this.round && xmin >= seen.xmax,
    );
  }

  private observe(upTo: bigint, xmax: bigint): void {
    if (this.observations.some((seen) => seen.upTo >= upTo)) return;
    if (this.observations.length >= MAX_OBSERVATIONS) this.observations.shift();
    this.observations.push({ upTo, xmax, round: this.round });
  }
}
