import { Injectable, Logger } from '@nestjs/common';
import { Counter, register } from 'prom-client';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../../config/config';
import { InjectConfig } from '../../config/config.module';
import {
  parsePartitionBound,
  partitionName,
  Period,
  periodsFrom,
  uncovered,
  uuidBound,
} from './partition-periods';

/** The tables partitioned by the time of their UUIDv7 id (see migration PartitionHistory). */
export type HistoryTable = 'events' | 'webhook_attempts';

export interface Partition {
  name: string;
  /** Null for the default partition. */
  period: Period | null;
}

/**
 * What of an expired partition must stay: a condition on its rows (alias `x`), where `$1`, if
 * it appears, is the cutoff.
 */
export type KeptRows = string;

const dropped =
  (register.getSingleMetric('history_partitions_dropped_total') as Counter | undefined) ??
  new Counter({
    name: 'history_partitions_dropped_total',
    help: 'Partitions of history tables dropped whole by retention',
    labelNames: ['table'],
  });

/** DDL on a history table waits this long for its lock, then gives up until the next round. */
const LOCK_TIMEOUT = '2s';
/** The check that an expired partition holds nothing kept may read it all. */
const CHECK_TIMEOUT = '10min';

/**
 * Creates the partitions of the history tables ahead of time and drops those wholly older
 * than the retention. Safe on N replicas: creation runs under a transaction-scoped advisory
 * lock per table and with IF NOT EXISTS; a drop of a partition already gone is a no-op.
 */
@Injectable()
export class HistoryPartitions {
  private readonly logger = new Logger(HistoryPartitions.name);

  constructor(
    private readonly dataSource: DataSource,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async list(table: HistoryTable): Promise<Partition[]> {
    const rows = await this.dataSource.query<Array<{ name: string; bound: string }>>(
      `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = $1::regclass
        ORDER BY c.relname`,
      [table],
    );
    return rows.map((row) => ({ name: row.name, period: parsePartitionBound(row.bound) }));
  }

  /**
   * Makes sure the current period and the next HISTORY_PARTITIONS_AHEAD have partitions,
   * filling only time no partition covers yet. Returns the partitions it created.
   */
  async ensureAhead(table: HistoryTable, now = Date.now()): Promise<string[]> {
    const { historyPartitionInterval: interval, historyPartitionsAhead: ahead } = this.config;
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('agentmesh.partitions.' || $1))`, [
        table,
      ]);
      await manager.query(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
      const taken = (await this.list(table)).flatMap((p) => (p.period ? [p.period] : []));
      const created: string[] = [];
      for (const period of periodsFrom(now, interval, ahead)) {
        for (const gap of uncovered(period, taken)) {
          const [from, to] = [uuidBound(gap.from), uuidBound(gap.to)];
          // Rows that landed in the default partition (no partition was there in time) would
          // make the new partition's constraint fail: leave that time to the default.
          const [stray] = await manager.query<Array<{ found: boolean }>>(
            `SELECT EXISTS (SELECT 1 FROM "${table}_default" WHERE id >= $1 AND id < $2) AS found`,
            [from, to],
          );
          if (stray.found) {
            this.logger.warn(
              `${table}: rows of ${new Date(gap.from).toISOString()} are in the default partition; no partition made for them`,
            );
            continue;
          }
          const name = partitionName(table, gap.from);
          await manager.query(
            `CREATE TABLE IF NOT EXISTS "${name}" PARTITION OF "${table}"
               FOR VALUES FROM ('${from}') TO ('${to}')`,
          );
          taken.push(gap);
          created.push(name);
        }
      }
      return created;
    });
  }

  /**
   * The first id after the partitions wholly older than `cutoff` (the highest partition bound
   * at or before it): retention deletes rows one by one only below it, so the rest of a period
   * waits for its partition to be dropped whole. Rows below the first partition live in the
   * default one and go one by one. Null while no bound is past the cutoff.
   */
  async expiredBelow(table: HistoryTable, cutoff: Date): Promise<string | null> {
    const bounds = (await this.list(table))
      .flatMap((p) => (p.period ? [p.period.from, p.period.to] : []))
      .filter((bound) => bound > 0 && bound <= cutoff.getTime());
    return bounds.length > 0 ? uuidBound(Math.max(...bounds)) : null;
  }

  /**
   * Drops every partition wholly older than `cutoff` that holds none of the rows `kept`
   * selects; one holding some stays (retention then deletes its other rows one by one).
   * No new row lands in an expired partition (ids are made at insert time) and an event there
   * never turns undispatched again but one set aside, kept until the runbook's one statement
   * puts it back in the outbox, so the check holds no lock while it reads; the one race
   * left is a finished delivery retried by hand in that instant: it keeps its delivery and
   * loses its attempts older than the retention.
   */
  async dropExpired(table: HistoryTable, cutoff: Date, kept: KeptRows): Promise<string[]> {
    const gone: string[] = [];
    for (const partition of await this.list(table)) {
      if (!partition.period || partition.period.to > cutoff.getTime()) continue;
      // Proving that nothing is kept reads the whole partition: longer than a request may.
      const live = await this.dataSource.transaction(async (manager) => {
        await manager.query(`SET LOCAL statement_timeout = '${CHECK_TIMEOUT}'`);
        const [row] = await manager.query<Array<{ found: boolean }>>(
          `SELECT EXISTS (SELECT 1 FROM "${partition.name}" x WHERE ${kept}) AS found`,
          kept.includes('$1') ? [cutoff] : [],
        );
        return row.found;
      });
      if (live) continue;
      await this.dataSource.transaction(async (manager) => {
        await manager.query(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
        await manager.query(`DROP TABLE IF EXISTS "${partition.name}"`);
      });
      dropped.inc({ table });
      gone.push(partition.name);
    }
    return gone;
  }
}
