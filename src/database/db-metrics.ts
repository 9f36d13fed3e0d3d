import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool, PoolClient } from 'pg';
import { Gauge, Histogram, register } from 'prom-client';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { Store, storage as loggerStorage } from 'nestjs-pino/storage';
import { asyncFrames, requestContext } from '../common/context/request-context';
import {
  endStatementSpan,
  startStatementSpan,
  statementTarget,
  tracingState,
} from '../common/tracing/trace-context';
import type { AppConfig } from '../config/config';
import { InjectConfig } from '../config/config.module';
import { registered } from '../metrics/registered';
import { guardClientErrors } from './client-errors';

/** Distinct statement labels kept; the rest are counted as `other` (a bounded label set). */
export const MAX_STATEMENT_LABELS = 200;
const MAX_CACHED_TEXTS = 5_000;

export const statementDuration = registered(
  'db_statement_duration_seconds',
  () =>
    new Histogram({
      name: 'db_statement_duration_seconds',
      help: 'Database statement duration in seconds, by statement name (verb and first table)',
      labelNames: ['statement'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    }),
);

// prom-client's registry is process-wide: the pool gauges read the pool registered last.
let pools: { pool: Pool; max: number } | undefined;

function poolGauge(name: string, help: string, read: (pool: Pool, max: number) => number): void {
  if (register.getSingleMetric(name)) return;
  new Gauge({
    name,
    help,
    collect() {
      if (pools) this.set(read(pools.pool, pools.max));
    },
  });
}

const labels = new Map<string, string>();
const known = new Set<string>();

/**
 * A bounded name for a statement: its verb and the first table it names (`select workflow_tasks`,
 * `insert events`, `with claimed`, `begin`). Never the values, never the whole text.
 */
export function statementName(text: string): string {
  const cached = labels.get(text);
  if (cached) return cached;
  const name = deriveName(text);
  const bounded = known.has(name) || known.size < MAX_STATEMENT_LABELS ? name : 'other';
  known.add(bounded);
  if (labels.size < MAX_CACHED_TEXTS) labels.set(text, bounded);
  return bounded;
}

const IDENT = String.raw`"?([A-Za-z_][A-Za-z0-9_$]*)"?`;
const PATTERNS: Array<[RegExp, string]> = [
  [new RegExp(String.raw`^select\b[\s\S]*?\bfrom\s+(?:only\s+)?${IDENT}`, 'i'), 'select'],
  [new RegExp(String.raw`^insert\s+into\s+${IDENT}`, 'i'), 'insert'],
  [new RegExp(String.raw`^update\s+(?:only\s+)?${IDENT}`, 'i'), 'update'],
  [new RegExp(String.raw`^delete\s+from\s+(?:only\s+)?${IDENT}`, 'i'), 'delete'],
  [new RegExp(String.raw`^with\s+(?:recursive\s+)?${IDENT}`, 'i'), 'with'],
  [new RegExp(String.raw`^lock\s+(?:table\s+)?${IDENT}`, 'i'), 'lock'],
];

function deriveName(text: string): string {
  const body = text
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .trimStart()
    // A statement sent with its planner settings (`SET LOCAL …; SELECT …`) is named by itself.
    .replace(/^(?:set\s+local\s+[^;]*;\s*)+/i, '')
    .replace(/^\(+/, '');
  for (const [pattern, verb] of PATTERNS) {
    const match = pattern.exec(body.slice(0, 2_000));
    if (match) return `${verb} ${match[1].toLowerCase()}`;
  }
  const verb = /^[A-Za-z]+/.exec(body)?.[0];
  return verb ? verb.toLowerCase() : 'other';
}

const INSTRUMENTED = Symbol('agentmesh.db-metrics');

interface QueryConfigLike {
  text?: string;
  name?: string;
  submit?: unknown;
}

type QueryFn = (...args: unknown[]) => unknown;

export interface InstrumentOptions {
  /** Statements at least this slow are logged. */
  slowMs: number;
  log: Logger;
  /**
   * Whether statements are counted in `db_statement_duration_seconds` (the primary's pool);
   * false times nothing, only traces (the read replica's pool).
   */
  metrics: boolean;
}

/**
 * Times every statement of a pooled client: the duration histogram by statement name, and a
 * warning for those over `slowMs` with the route and correlation id of the request (or job)
 * that ran it; with tracing on, a span per statement run inside a recorded span (see
 * `startStatementSpan`). Wraps the client's own `query` once, on its first checkout.
 */
export function instrumentClient(client: PoolClient, options: InstrumentOptions): void {
  const target = client as PoolClient & { [INSTRUMENTED]?: true };
  if (target[INSTRUMENTED]) return;
  target[INSTRUMENTED] = true;
  const { slowMs, log, metrics } = options;
  const where = client as unknown as { database?: string; host?: string; port?: number };
  const spanTarget = statementTarget({
    database: where.database,
    host: where.host,
    port: where.port,
  });
  const original = client.query.bind(client) as QueryFn;
  const wrapped: QueryFn = (...args) => {
    const first = args[0] as string | QueryConfigLike;
    const text = typeof first === 'string' ? first : first?.text;
    // Streams (cursors) and calls without text are not timed.
    if (typeof text !== 'string' || (typeof first === 'object' && first.submit)) {
      return original(...args);
    }
    if (!metrics && !tracingState.enabled) return original(...args);
    const name = statementName(text);
    const span = tracingState.enabled ? startStatementSpan(name, text, spanTarget) : undefined;
    if (!metrics && !span) return original(...args);
    const started = process.hrtime.bigint();
    // The request (or job) sending it: a callback (what pg-pool's query() passes) runs in the
    // connection's context, not in the sender's.
    const context = metrics ? requestContext.get() : undefined;
    const requestLogger = metrics ? loggerStorage.getStore() : undefined;
    const done = (error: unknown) => {
      if (span) endStatementSpan(span, error);
      if (!metrics) return;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const statement = name;
      statementDuration.observe({ statement }, seconds);
      if (seconds * 1000 >= slowMs) {
        const line = {
          msg: 'slow database statement',
          statement,
          durationMs: Math.round(seconds * 100_000) / 100,
          route: context?.route,
          // Within a request the logger is its own, which names the correlation id already (a
          // line with the key twice is one that log stores such as Elasticsearch refuse);
          // elsewhere, a job, the line names it.
          ...(requestLogger ? {} : { correlationId: context?.correlationId }),
        };
        // Logged as the sender: a callback runs in the connection's context, which may be
        // another request's.
        if (requestLogger) loggerStorage.run(requestLogger, () => log.warn(line));
        else loggerStorage.exit(() => log.warn(line));
      }
    };
    const last = args.length - 1;
    if (typeof args[last] === 'function') {
      const callback = args[last] as (...results: unknown[]) => void;
      args[last] = (...results: unknown[]) => {
        done(results[0]);
        callback(...results);
      };
      return original(...args);
    }
    const result = original(...args);
    if (result instanceof Promise) {
      result.then(
        () => done(undefined),
        (error: unknown) => done(error ?? new Error('the statement failed')),
      );
    }
    return result;
  };
  (client as unknown as { query: QueryFn }).query = wrapped;
}

/**
 * Runs each `pool.connect(callback)` callback in its caller's async context. With every
 * connection busy, pg-pool hands the next one over inside the release of the one before, so
 * the callback would run in the releasing request's context; `pool.query` (prepared
 * statements) sends its statement from that callback, and the statement's slow-log line and
 * span would name the wrong request.
 */
export function bindConnectCallbacks(pool: Pool): void {
  type Callback = (...args: unknown[]) => void;
  const connect = pool.connect.bind(pool) as (callback?: Callback) => unknown;
  (pool as unknown as { connect: typeof connect }).connect = (callback) => {
    if (!callback) return connect();
    // The process's two async-local stores, the request's frame (context and trace) and its
    // logger, carried over by hand: AsyncResource.bind does it for every store but builds a
    // deprecation wrapper on each call, 1-2 % of a short request's CPU.
    const frame = asyncFrames.current();
    const logger = loggerStorage.getStore();
    return connect((...args) =>
      asyncFrames.run(frame, () => loggerStorage.run(logger as Store, callback, ...args)),
    );
  };
}

/** Statement durations, slow statements and the pool's gauges, for the service's pool. */
@Injectable()
export class DbMetrics implements OnModuleInit {
  private readonly logger = new Logger('Database');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const pool = (this.dataSource.driver as PostgresDriver).master as Pool;
    const slowMs = this.config.dbSlowQueryMs;
    bindConnectCallbacks(pool);
    guardClientErrors(pool, this.logger);
    pool.on('acquire', (client) =>
      instrumentClient(client, { slowMs, log: this.logger, metrics: true }),
    );
    pools = { pool, max: this.config.dbPoolSize };
    poolGauge('db_pool_connections', 'Connections the pool holds (idle and in use)', (p) => {
      return p.totalCount;
    });
    poolGauge('db_pool_idle_connections', 'Pooled connections idle', (p) => p.idleCount);
    poolGauge(
      'db_pool_waiting_clients',
      'Callers waiting for a pooled connection (the pool is exhausted)',
      (p) => p.waitingCount,
    );
    poolGauge('db_pool_max_connections', 'The pool size (DB_POOL_SIZE)', (_p, max) => max);
  }
}
