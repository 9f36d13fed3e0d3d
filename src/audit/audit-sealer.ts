import { AUDIT_NOW_SQL } from './audit-time';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Client } from 'pg';
import type { AppConfig } from '../config/config';
import { InjectConfig } from '../config/config.module';
import { chainHash, GENESIS_HASH, SealedFields } from './audit-hash';
import { AnchorCheck, anchorBreak, databaseIdentity } from './audit-anchor';
import { AuditSigner } from './audit-signer';
import type { SnapshotQuery } from './read-snapshot';

/** Advisory-lock key of the sealer leader ("agas"); advisory keys are per database. */
const SEALER_LOCK = 0x6167_6173;
const INTERVAL_MS = 200;
const BATCH = 500;

/**
 * Gives committed audit entries their gap-free `seq` and hash, one leader at a time.
 *
 * Why the xmin watermark: a bigserial or clock value is taken before commit, so a row with a
 * smaller value can become visible after a larger one has been sealed, and would be skipped or
 * sealed out of place. Instead each entry stores the id of the transaction that wrote it, and
 * only entries whose transaction id is below the oldest still-running transaction
 * (`pg_snapshot_xmin`) are sealed: those transactions have all finished, so no entry can later
 * appear before the sealed ones. The business transaction itself takes no lock.
 * Within that settled set entries are chained by (txid, id): a deterministic order that never
 * has to change once sealed. The price: a transaction left open anywhere in the cluster holds
 * xmin back and delays sealing (never loses or reorders an entry) until it ends.
 */
@Injectable()
export class AuditSealer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(AuditSealer.name);
  /** Its own client, outside the pool: the session-level lock lives and dies with it. */
  private client: Client | undefined;
  private leader = false;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  /** `DATABASE_IDENTITY_SQL` on this connection; null when it could not be read. */
  private database: string | null | undefined;
  /** The break last reported, so that it is logged once, not every tick. */
  private reported: string | undefined;
  /** Whether this key is in audit_signing_keys (written once, with the first checkpoint). */
  private keyRegistered = false;

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly signer: AuditSigner,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.workers) return;
    this.schedule();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await this.closeConnection();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        this.running = undefined;
        this.schedule();
      });
    }, INTERVAL_MS);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      if (!(await this.ensureLeader())) return;
      // Drain what is ready, batch by batch, before sleeping again.
      while (!this.stopped && (await this.sealBatch()) === BATCH);
    } catch (error) {
      this.logger.warn({ err: error }, 'Sealing audit entries failed; retrying');
      // The connection may be broken: close it, which drops the lock, so any replica can lead.
      await this.closeConnection();
    }
  }

  /** Holds the session-level advisory lock on a connection of its own while leading. */
  private async ensureLeader(): Promise<boolean> {
    if (this.leader && this.client) return true;
    if (!this.client) {
      const client = new Client({
        connectionString: this.config.databaseUrl,
        application_name: 'agentmesh-audit-sealer',
        statement_timeout: this.config.dbStatementTimeoutMs,
        connectionTimeoutMillis: this.config.dbConnectTimeoutMs,
        keepAlive: true,
      });
      // A dropped connection emits 'error' between queries; the next tick reconnects.
      client.on('error', (error) => {
        this.logger.warn({ err: error }, 'The audit sealer lost its connection');
        if (this.client === client) {
          this.client = undefined;
          this.leader = false;
        }
      });
      try {
        await client.connect();
      } catch (error) {
        await client.end().catch(() => undefined);
        throw error;
      }
      this.client = client;
    }
    const { rows } = await this.client.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock($1) AS locked',
      [SEALER_LOCK],
    );
    this.leader = rows[0].locked;
    return this.leader;
  }

  /** Ends the session: PostgreSQL releases its advisory lock with it. */
  private async closeConnection(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.leader = false;
    this.database = undefined;
    if (!client) return;
    try {
      await client.end();
    } catch {
      // Already gone: the lock went with the session.
    }
  }

  /**
   * Whether the chain no longer holds the head this replica signed (cut short, rolled back or
   * replaced), with the hash at seq 1 that names it for the anchor. When broken against an
   * anchor signed in this database, it signs nothing onto it, since a checkpoint on top would
   * vouch for what was put there. The entries wait, unsealed, until the chain is put back or the
   * operator moves the anchor file aside to accept it (docs/operations.md, Backup and restore).
   * A break against an anchor signed in another database (a copy) is logged and sealing goes on.
   */
  private async check(query: SnapshotQuery, headSeq: string | undefined): Promise<AnchorCheck> {
    if (this.database === undefined) this.database = (await databaseIdentity(query)) ?? null;
    const checked = await anchorBreak(
      query,
      this.signer.anchorsNow(),
      Number(headSeq ?? 0),
      this.database ?? undefined,
    );
    const { broken } = checked;
    const state = broken && `${broken.reason}@${broken.seq}:${broken.own}`;
    if (broken && state !== this.reported) {
      const fields = { firstInvalidSeq: broken.seq, reason: broken.reason, anchor: broken.anchor };
      if (broken.own) {
        this.logger.error(
          fields,
          'The audit chain does not hold the head this replica signed: sealing stopped until it does (GET /api/v1/audit/verify)',
        );
      } else {
        this.logger.warn(
          fields,
          'The audit chain does not hold the head this replica signed for it in another database (a copy of this one?): sealing goes on (GET /api/v1/audit/verify)',
        );
      }
    } else if (!broken && this.reported?.endsWith(':true')) {
      this.logger.log('The audit chain holds the head this replica signed again: sealing resumed');
    }
    this.reported = state;
    return checked;
  }

  /**
   * Rules out sorting for the read of unsealed entries: PostgreSQL estimates how many wait from
   * statistics taken while the sealer kept up (a handful), and in a burst would read every
   * unsealed entry and sort them on every batch, where the (txid, id) index gives them in order.
   */
  static readonly PLANNER_SETTING = 'SET LOCAL enable_sort = off';

  /** The next unsealed entries: `$1` xmin, `$2` the txid at the chain's head, `$3` how many. */
  static readonly UNSEALED_SQL = `SELECT e.id, e.tenant_id AS "tenantId", e.occurred_at AS "occurredAt",
           e.actor_type AS "actorType", e.actor_id AS "actorId", e.action,
           e.resource_type AS "resourceType", e.resource_id AS "resourceId",
           e.correlation_id AS "correlationId", e.ip, e.user_agent AS "userAgent",
           e.before::text AS before, e.after::text AS after
      FROM audit_entries e
     WHERE e.txid < $1::bigint AND e.txid >= $2::bigint
       AND NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.entry_id = e.id)
     ORDER BY e.txid, e.id
     LIMIT $3`;

  /** Seals up to BATCH entries in one transaction; returns how many. */
  async sealBatch(): Promise<number> {
    const client = this.client;
    if (!client) return 0;
    const query = async <T>(sql: string, params: unknown[] = []): Promise<T[]> =>
      (await client.query(sql, params)).rows as T[];
    await client.query('BEGIN');
    try {
      // Taken first, in its own statement: every transaction below this id has finished, and
      // the next statement's snapshot sees all of those that committed.
      const [{ xmin }] = await query<{ xmin: string }>(
        'SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin',
      );
      const [head] = await query<{ seq: string; hash: string; txid: string | null }>(
        `SELECT c.seq::text AS seq, c.hash, e.txid::text AS txid
           FROM audit_chain c LEFT JOIN audit_entries e ON e.id = c.entry_id
          ORDER BY c.seq DESC LIMIT 1`,
      );
      await client.query(AuditSealer.PLANNER_SETTING);
      const entries = await query<Omit<SealedFields, 'seq'>>(AuditSealer.UNSEALED_SQL, [
        xmin,
        head?.txid ?? '0',
        BATCH,
      ]);
      await client.query('RESET enable_sort');
      const checked = entries.length === 0 ? undefined : await this.check(query, head?.seq);
      if (!checked || checked.broken?.own) {
        await client.query('COMMIT');
        return 0;
      }
      let seq = BigInt(head?.seq ?? '0');
      let prevHash = head?.hash ?? GENESIS_HASH;
      const seqs: string[] = [];
      const ids: string[] = [];
      const prevs: string[] = [];
      const hashes: string[] = [];
      for (const entry of entries) {
        seq += 1n;
        const hash = chainHash(prevHash, { ...entry, seq: seq.toString() });
        seqs.push(seq.toString());
        ids.push(entry.id);
        prevs.push(prevHash);
        hashes.push(hash);
        prevHash = hash;
      }
      await client.query(
        `INSERT INTO audit_chain (seq, entry_id, prev_hash, hash)
         SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::char(64)[], $4::char(64)[])`,
        [seqs, ids, prevs, hashes],
      );
      // One signed checkpoint per batch, on its new head, in the same transaction.
      const [{ now }] = await query<{ now: string }>(`SELECT ${AUDIT_NOW_SQL} AS now`);
      const checkpoint = this.signer.sign({ seq: seq.toString(), hash: prevHash, signedAt: now });
      if (!this.keyRegistered) {
        const { sql, params } = this.signer.registration;
        await client.query(sql, params);
      }
      await client.query(
        `INSERT INTO audit_checkpoints (seq, hash, signed_at, public_key, signature)
         VALUES ($1, $2, $3, $4, $5)`,
        [
          checkpoint.seq,
          checkpoint.hash,
          checkpoint.signedAt,
          checkpoint.publicKey,
          checkpoint.signature,
        ],
      );
      await client.query('COMMIT');
      this.keyRegistered = true;
      const firstHash = checked.firstHash ?? hashes[0];
      if (firstHash) {
        this.signer.recordAnchor(firstHash, {
          seq: checkpoint.seq,
          hash: checkpoint.hash,
          ...(this.database ? { database: this.database } : {}),
        });
      }
      return entries.length;
    } catch (error) {
      // Best effort: on a broken connection tick() closes it, which rolls back anyway.
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }
}
