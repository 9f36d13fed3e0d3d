import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { ENTITIES } from './entities';
import { pgTypes } from './timestamp-parser';

export interface DatabaseSettings {
  url: string;
  poolSize: number;
  /** Connections kept open while idle (0 by default): the rest close after IDLE_TIMEOUT_MS. */
  poolMin?: number;
  statementTimeoutMs: number;
  connectTimeoutMs: number;
  applicationName?: string;
}

const MAX_TIMEOUT_MS = 0x7fffffff;
/** An idle connection above the pool's minimum closes after this long. */
const IDLE_TIMEOUT_MS = 30_000;

/** The one description of our database, shared by the app, the migration CLI and the tests. */
export function dataSourceOptions(settings: DatabaseSettings): DataSourceOptions {
  return {
    type: 'postgres',
    url: settings.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra: {
      max: settings.poolSize,
      // Kept through quiet spells with what each connection has prepared and planned: a
      // connection opened afterwards pays the connect, then plans every statement afresh.
      min: settings.poolMin ?? 0,
      application_name: settings.applicationName ?? 'agentmesh',
      // Fail fast when the database is gone instead of hanging requests.
      connectionTimeoutMillis: settings.connectTimeoutMs,
      statement_timeout: settings.statementTimeoutMs,
      // Timeouts stop at 2^31-1 ms, PostgreSQL's and Node's timers' limit (the migration CLI's).
      query_timeout: Math.min(settings.statementTimeoutMs + 1_000, MAX_TIMEOUT_MS),
      idle_in_transaction_session_timeout: Math.min(
        settings.statementTimeoutMs * 6,
        MAX_TIMEOUT_MS,
      ),
      keepAlive: true,
      idleTimeoutMillis: IDLE_TIMEOUT_MS,
      // timestamptz read by position rather than by pg's general parser (timestamp-parser.ts).
      types: pgTypes,
    },
  };
}
