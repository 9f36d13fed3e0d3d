import type { Anchor } from './audit-signer';
import type { SnapshotQuery } from './read-snapshot';

/**
 * Names the database a chain lives in: the cluster's system identifier (kept by its physical
 * standbys and base backups) and the database's oid, which no role that writes rows can change.
 * Null where the role may not read `pg_control_system()`: the anchors then match by first hash
 * alone. Every name is qualified with pg_catalog: a role that may set its own search_path could
 * otherwise put a function of its own in front.
 */
export const DATABASE_IDENTITY_SQL = `SELECT CASE
    WHEN pg_catalog.has_function_privilege('pg_catalog.pg_control_system()', 'EXECUTE')
    THEN (SELECT system_identifier::text FROM pg_catalog.pg_control_system()) || '/' || d.oid::text
  END AS identity
  FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()`;

export async function databaseIdentity(query: SnapshotQuery): Promise<string | undefined> {
  const [row] = await query<{ identity: string | null }>(DATABASE_IDENTITY_SQL);
  return row?.identity ?? undefined;
}

export interface AnchorBreak {
  seq: number;
  reason: 'chain_truncated' | 'anchor_mismatch';
  anchor: Anchor;
  /**
   * Whether the anchor was signed in this very database: then the sealer stops (see
   * AuditSealer). One signed elsewhere (a copy of this database, restored or made from a
   * template, sharing the anchor file) still fails a verify but does not stop sealing here.
   */
  own: boolean;
}

/** The key of a chain's anchor: its first hash, and the database when it could be read. */
export function anchorKey(firstHash: string, database: string | undefined): string {
  return database === undefined ? firstHash : `${firstHash}@${database}`;
}

export interface AnchorCheck {
  /** The hash at seq 1; undefined for an empty chain. */
  firstHash: string | undefined;
  broken: AnchorBreak | undefined;
}

/**
 * Whether the chain in this database still holds the head this replica last signed for it, and
 * the hash at seq 1, in one read.
 *
 * The anchor is found by the hash at seq 1, which names a chain (a fresh database is another
 * chain, not a forged one), and the database it was signed in. But a chain replaced from seq 1
 * in place (every hash recomputed, the checkpoints deleted) or emptied has another first hash,
 * or none, in the same database: the anchor recorded for this database then says the chain it
 * signed is gone, from seq 1.
 */
export async function anchorBreak(
  query: SnapshotQuery,
  anchors: ReadonlyMap<string, Anchor>,
  headSeq: number,
  database: string | undefined,
): Promise<AnchorCheck> {
  // Seq 1 and every anchored seq in one read: which anchor applies depends on the first.
  const seqs = ['1', ...[...anchors.values()].map((anchor) => anchor.seq)];
  const rows = await query<{ seq: string; hash: string }>(
    'SELECT seq::text AS seq, hash FROM audit_chain WHERE seq = ANY($1::bigint[])',
    [seqs],
  );
  const hashAt = new Map(rows.map((row) => [row.seq, row.hash]));
  const firstHash = hashAt.get('1');
  const found = (broken: AnchorBreak | undefined): AnchorCheck => ({ firstHash, broken });
  // This chain in this database; else this chain as signed before databases were recorded, or
  // in another database (a copy of this one).
  const anchor =
    firstHash === undefined
      ? undefined
      : (anchors.get(anchorKey(firstHash, database)) ??
        anchors.get(firstHash) ??
        last(anchors, (key) => key.startsWith(`${firstHash}@`)));
  if (!anchor) {
    const replaced =
      database === undefined ? undefined : last(anchors, (_, value) => value.database === database);
    if (!replaced) return found(undefined);
    return found({
      seq: 1,
      reason: firstHash === undefined ? 'chain_truncated' : 'anchor_mismatch',
      anchor: replaced,
      own: true,
    });
  }
  // This database's own anchor; also when neither could name a database (no identity to read:
  // anchors then match by first hash alone, as they did before databases were recorded).
  const own = anchor.database === database;
  if (Number(anchor.seq) > headSeq) {
    return found({ seq: headSeq + 1, reason: 'chain_truncated', anchor, own });
  }
  if (hashAt.get(anchor.seq) !== anchor.hash) {
    return found({ seq: Number(anchor.seq), reason: 'anchor_mismatch', anchor, own });
  }
  return found(undefined);
}

/** The anchor most recently recorded among those `match` picks (the map keeps the order set). */
function last(
  anchors: ReadonlyMap<string, Anchor>,
  match: (key: string, anchor: Anchor) => boolean,
): Anchor | undefined {
  let found: Anchor | undefined;
  for (const [key, anchor] of anchors) if (match(key, anchor)) found = anchor;
  return found;
}
