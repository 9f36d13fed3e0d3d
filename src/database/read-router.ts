import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import type { Pool, PoolClient } from 'pg';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { RequestContext, requestContext } from '../common/context/request-context';
import type { RawRequestWithContext } from '../common/context/request-context.hook';
import { aroundRouteHandlers } from '../common/route-handlers';
import { tracingState } from '../common/tracing/trace-context';
import type { AppConfig } from '../config/config';
import { InjectConfig } from '../config/config.module';
import { dataSourceOptions } from './data-source-options';
import { guardClientErrors } from './client-errors';
import { bindConnectCallbacks, instrumentClient } from './db-metrics';
import { isDatabaseUnavailable, sqlState } from './database-errors';
import { registered } from '../metrics/registered';

/** Methods whose requests do not write: they do not keep their key's reads on the primary. */
const READ_ONLY_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** How often the replica's position is compared with the primary's. */
export const REPLICA_PROBE_MS = 200;
/** Primary positions kept to date the replica's: enough to measure lags up to a minute. */
const MAX_SAMPLES = 60_000 / REPLICA_PROBE_MS;

const reads = registered(
  'db_reads_total',
  () =>
    new Counter({
      name: 'db_reads_total',
      help: 'Read-only route queries by where they ran: replica, or primary and why',
      labelNames: ['target', 'reason'],
    }),
);

/** The lag of the router started last (prom-client's registry is process-wide). */
let currentLag: (() => number | undefined) | undefined;
registered(
  'db_replica_lag_seconds',
  () =>
    new Gauge({
      name: 'db_replica_lag_seconds',
      help: 'How far the read replica is behind the primary (upper bound; -1: down or unset)',
      collect() {
        const lag = currentLag?.();
        this.set(lag === undefined || !Number.isFinite(lag) ? -1 : lag / 1000);
      },
    }),
);

/** `0/16B3748` → a number comparable across positions (PostgreSQL's pg_lsn as text). */
export function lsnValue(text: string): bigint {
  const [high, low] = text.split('/');
  return (BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`);
}

/**
 * How old the replica's data is, from the primary's WAL positions sampled over time: the replica
 * has replayed everything the primary had written at the newest sample at or below its replay
 * position, so its lag is at most the age of that sample. An idle primary reads as no lag (a
 * replica that has replayed everything is current, whatever `pg_last_xact_replay_timestamp`
 * says), and a replica that stopped receiving ages as the primary writes on.
 */
export class LagEstimate {
  private readonly samples: Array<{ at: number; lsn: bigint }> = [];

  sample(at: number, primaryLsn: bigint): void {
    this.samples.push({ at, lsn: primaryLsn });
    if (this.samples.length > MAX_SAMPLES) this.samples.shift();
  }

  /** Milliseconds at most behind at `now`, Infinity when it is behind every sample kept. */
  lagAt(now: number, replayLsn: bigint): number {
    for (let i = this.samples.length - 1; i >= 0; i--) {
      if (this.samples[i].lsn <= replayLsn) {
        return i === this.samples.length - 1 ? 0 : now - this.samples[i + 1].at;
      }
    }
    return Infinity;
  }
}

/**
 * Sends the reads of read-only routes (discovery, run lists, audit queries and exports) to a
 * streaming replica (`DATABASE_READ_URL`) when that is safe, else to the primary:
 * - the replica answered its last probe and lags at most `DATABASE_READ_MAX_LAG_MS`;
 * - read-your-writes: a key that wrote (any non-GET request) in the last lag bound plus two
 *   probe periods reads from the primary, so it never misses its own change; likewise a scope
 *   noted as changed (a tenant's agent registry, whose discovery pages are cached);
 * - a replica that fails a read (down, restarting) is marked down and the read runs again on
 *   the primary: the caller sees no error.
 * Read-your-writes is tracked per service replica; behind a load balancer, sticky sessions per
 * key keep it exact, and without them the lag bound still holds.
 */
@Injectable()
export class ReadRouter implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ReadRouter.name);
  private replica: DataSource | undefined;
  private readonly estimate = new LagEstimate();
  private replicaLagMs = Infinity;
  /** The replica failed a query or a probe, and no probe has reached it since. */
  private replicaDown = false;
  private probing: NodeJS.Timeout | undefined;
  private readonly writes = new Map<string, number>();
  /** The contexts of the requests that may write (see `trackWritesOf`) while they run. */
  private readonly writing = new Set<RequestContext>();
  private downLogged = false;
  private probingNow = false;
  private unregisterLag: (() => void) | undefined;

  constructor(
    @InjectDataSource() private readonly primary: DataSource,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!this.config.databaseReadUrl) return;
    const lag = () => this.lagMs();
    currentLag = lag;
    this.unregisterLag = () => {
      if (currentLag === lag) currentLag = undefined;
    };
    this.replica = new DataSource({
      ...dataSourceOptions({
        url: this.config.databaseReadUrl,
        poolSize: this.config.dbPoolSize,
        poolMin: this.config.dbPoolMin,
        statementTimeoutMs: this.config.dbStatementTimeoutMs,
        connectTimeoutMs: this.config.dbConnectTimeoutMs,
        applicationName: 'agentmesh-read',
      }),
      migrations: [],
    });
    // A replica that is down at start is no reason not to start: reads stay on the primary.
    await this.replica.initialize().catch((error: Error) => {
      this.logger.warn(
        { err: error.message },
        'The read replica is not reachable: reads use the primary',
      );
    });
    if (this.replica.isInitialized) {
      guardClientErrors((this.replica.driver as PostgresDriver).master as Pool, this.logger);
    }
    if (tracingState.enabled && this.replica.isInitialized) {
      // Statements on the replica are spans too (its durations are not in the primary's metric).
      const log = this.logger;
      const slowMs = this.config.dbSlowQueryMs;
      const pool = (this.replica.driver as PostgresDriver).master as Pool;
      bindConnectCallbacks(pool);
      pool.on('acquire', (client: PoolClient) =>
        instrumentClient(client, { slowMs, log, metrics: false }),
      );
    }
    await this.probe();
    this.probing = setInterval(() => void this.probe(), REPLICA_PROBE_MS);
    this.probing.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.probing) clearInterval(this.probing);
    this.unregisterLag?.();
    if (this.replica?.isInitialized) await this.replica.destroy();
  }

  /** The replica's lag bound in ms; Infinity while it is down; undefined without one. */
  lagMs(): number | undefined {
    return this.replica ? this.replicaLagMs : undefined;
  }

  /**
   * With a replica: the requests that may write (any method but GET, HEAD and OPTIONS) keep
   * their key's reads on the primary from when they start (`choose` looks at the ones running)
   * until the replica has had time to catch up with their end (`noteKeyWrite`). Wraps the
   * handlers of the routes `fastify` registers from now on; before `app.init()`.
   */
  trackWritesOf(fastify: FastifyInstance): void {
    if (!this.config.databaseReadUrl) return;
    aroundRouteHandlers(
      fastify,
      (request) => {
        const context = (request.raw as RawRequestWithContext).context;
        if (!context) return () => undefined;
        this.writing.add(context);
        return () => {
          this.writing.delete(context);
          if (context.apiKeyId) this.noteKeyWrite(context.apiKeyId);
        };
      },
      (route) => [route.method].flat().some((method) => !READ_ONLY_METHODS.has(method)),
    );
  }

  /** A write by the key `keyId`: its reads stay on the primary a while. */
  noteKeyWrite(keyId: string): void {
    this.noteWrite(`key:${keyId}`);
  }

  /** A change of `scopes` (e.g. `agents:<tenant>`): reads naming them stay on the primary a while. */
  noteWrite(...scopes: string[]): void {
    if (!this.replica) return;
    const now = Date.now();
    for (const scope of scopes) this.writes.set(scope, now);
    if (this.writes.size > 100_000) this.forgetOld(now);
  }

  /**
   * Runs a read-only query on the replica when that is safe (see the class), else on the
   * primary; a failing replica is marked down and the query runs on the primary.
   */
  async read<T>(query: (source: DataSource) => Promise<T>, ...scopes: string[]): Promise<T> {
    const { source, reason } = this.choose(scopes);
    if (source === this.primary) {
      if (this.replica) reads.inc({ target: 'primary', reason });
      return query(this.primary);
    }
    try {
      const result = await query(source);
      reads.inc({ target: 'replica', reason: 'current' });
      return result;
    } catch (error) {
      // A standby cancels queries that conflict with replay (40001): the primary answers.
      if (!isDatabaseUnavailable(error) && sqlState(error) !== '40001') throw error;
      this.markDown((error as Error).message);
      reads.inc({ target: 'primary', reason: 'replica_failed' });
      return query(this.primary);
    }
  }

  private choose(scopes: string[]): { source: DataSource; reason: string } {
    if (!this.replica?.isInitialized || this.replicaDown)
      return { source: this.primary, reason: 'replica_down' };
    const bound = this.config.databaseReadMaxLagMs;
    if (!(this.replicaLagMs <= bound)) return { source: this.primary, reason: 'replica_lagging' };
    const window = bound + 2 * REPLICA_PROBE_MS;
    const now = Date.now();
    const keyId = requestContext.get()?.apiKeyId;
    if (keyId) {
      for (const writer of this.writing) {
        if (writer.apiKeyId === keyId) return { source: this.primary, reason: 'read_your_writes' };
      }
    }
    for (const scope of keyId ? [`key:${keyId}`, ...scopes] : scopes) {
      const wrote = this.writes.get(scope);
      if (wrote !== undefined && now - wrote < window)
        return { source: this.primary, reason: 'read_your_writes' };
    }
    return { source: this.replica, reason: 'current' };
  }

  private async probe(): Promise<void> {
    if (!this.replica || this.probingNow) return;
    this.probingNow = true;
    try {
      if (!this.replica.isInitialized) await this.replica.initialize();
      const [{ lsn }] = await this.primary.query<Array<{ lsn: string }>>(
        'SELECT pg_current_wal_lsn()::text AS lsn',
      );
      const sampledAt = Date.now();
      this.estimate.sample(sampledAt, lsnValue(lsn));
      const [replica] = await this.replica.query<
        Array<{ replayed: string | null; recovering: boolean }>
      >(`SELECT pg_last_wal_replay_lsn()::text AS replayed, pg_is_in_recovery() AS recovering`);
      // Not a standby (promoted, or pointed at a primary): it holds what it holds, now.
      this.replicaLagMs =
        !replica.recovering || replica.replayed === null
          ? replica.recovering
            ? Infinity
            : 0
          : this.estimate.lagAt(Date.now(), lsnValue(replica.replayed));
      this.replicaDown = false;
      if (this.downLogged) {
        this.downLogged = false;
        this.logger.log('The read replica answers again');
      }
    } catch (error) {
      this.markDown((error as Error).message);
    } finally {
      this.probingNow = false;
    }
  }

  private markDown(message: string): void {
    this.replicaLagMs = Infinity;
    this.replicaDown = true;
    if (!this.downLogged) {
      this.downLogged = true;
      this.logger.warn({ err: message }, 'The read replica failed: reads use the primary');
    }
  }

  private forgetOld(now: number): void {
    const window = this.config.databaseReadMaxLagMs + 2 * REPLICA_PROBE_MS;
    for (const [scope, at] of this.writes) if (now - at >= window) this.writes.delete(scope);
  }
}
