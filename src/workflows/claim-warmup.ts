import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import type { AppConfig } from '../config/config';
import { InjectConfig } from '../config/config.module';
import { preparedConfig } from '../database/prepared';
import { claimParameters, claimStatement, ClaimLimits } from './claim-statement';

/**
 * Runs of each claim statement a connection is given at start: PostgreSQL plans a prepared
 * statement afresh for its first five runs on a connection and may keep one plan from the
 * sixth on (the claim's generic plan is kept: see claimStatement).
 */
export const WARMUP_RUNS = 6;

/** How long the start waits for the warm-up at most. */
const WARMUP_BUDGET_MS = 5_000;

/** The statements warmed: a claim of one task (the default), with and without rate limits. */
const WARMED: ReadonlyArray<ClaimLimits> = ['no limits', 'one sub-bucket'];

/**
 * Opens the connections the pool keeps (`DB_POOL_MIN`) before the service answers, and readies
 * each for the claims it will carry. A connection's first claim otherwise paid for the
 * connection's first sight of a dozen tables and forty indexes, then five plans of the claim
 * statement (measured on a waiting agent's wake-up: 10-90 ms instead of 2-4 on a connection's
 * first claim, 3-5 ms more on each of its next four), and it fell on whichever claim drew that
 * connection: the tail of the wake-up latency in a replica's first minutes.
 *
 * Each claim statement of one task runs WARMUP_RUNS times as an agent that does not exist (its
 * profile is empty: nothing is read past it, nothing written), so that PostgreSQL has loaded
 * what a claim touches and holds its one plan for the statement. A connection the pool opens
 * later, past `DB_POOL_MIN`, is not readied: that would hold up the request that opened it (a
 * client runs one statement at a time, and queueing behind another's is deprecated in
 * node-postgres); a deployment that wants every connection ready keeps them all
 * (`DB_POOL_MIN` = `DB_POOL_SIZE`). Best effort: a failure is logged, and the service starts
 * as it would have, waiting WARMUP_BUDGET_MS at most (each connection goes back to the pool
 * when its own warm-up ends).
 */
@Injectable()
export class ClaimWarmup implements OnApplicationBootstrap {
  private readonly logger = new Logger(ClaimWarmup.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const count = this.config.dbPoolMin;
    if (count === 0) return;
    const pool = (this.dataSource.driver as PostgresDriver).master as Pool;
    const connecting = Array.from({ length: count }, () => pool.connect());
    const clients = (await Promise.allSettled(connecting)).flatMap((settled) =>
      settled.status === 'fulfilled' ? [settled.value] : [],
    );
    // Each connection goes back to the pool once its own warm-up is over; the service does not
    // wait past WARMUP_BUDGET_MS for them (a table locked by a migration, a database busy).
    const warming = Promise.allSettled(
      clients.map((client) => this.warm(client).finally(() => client.release())),
    );
    // Unreferenced, and left to run out: it holds nothing once the start has gone on.
    const late = sleep(WARMUP_BUDGET_MS, 'late' as const, { ref: false });
    const outcome = await Promise.race([warming, late]);
    if (outcome === 'late') {
      this.logger.warn(`Connections still being readied for claims after ${WARMUP_BUDGET_MS} ms`);
      return;
    }
    const failed = outcome.find((settled) => settled.status === 'rejected');
    if (failed) {
      const reason = failed.reason as Error;
      this.logger.warn(`Connections not readied for claims: ${reason.message}`);
    }
  }

  private async warm(client: PoolClient): Promise<void> {
    for (const limits of WARMED) {
      for (let run = 0; run < WARMUP_RUNS; run += 1) {
        await client.query(
          preparedConfig({
            sql: claimStatement(1, limits),
            // No tenant or agent has an empty id: the agent's profile is empty.
            params: claimParameters('', '', 1, this.config.taskLeaseSeconds, undefined),
          }),
        );
      }
    }
  }
}
