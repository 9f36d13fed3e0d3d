import { Global, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { dataSourceOptions } from './data-source-options';
import { DbMetrics } from './db-metrics';
import { HistoryPartitions } from './partitions/history-partitions';
import { MigrationState } from './migration-state';
import { PgNotifications } from './pg-notifications';
import { ReadRouter } from './read-router';
import { migrateWithLock } from './migrations';
import { UnitOfWork } from './unit-of-work';

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => {
        if (!config.databaseUrl) throw new Error('DATABASE_URL must be resolved before start');
        return dataSourceOptions({
          url: config.databaseUrl,
          poolSize: config.dbPoolSize,
          poolMin: config.dbPoolMin,
          statementTimeoutMs: config.dbStatementTimeoutMs,
          connectTimeoutMs: config.dbConnectTimeoutMs,
        });
      },
    }),
  ],
  providers: [
    UnitOfWork,
    DbMetrics,
    HistoryPartitions,
    MigrationState,
    PgNotifications,
    ReadRouter,
    {
      provide: 'MIGRATIONS_AT_START',
      inject: [APP_CONFIG, DataSource],
      useFactory: async (config: AppConfig, dataSource: DataSource) => {
        if (!config.migrationsRun) return [];
        const applied = await migrateWithLock(dataSource);
        if (applied.length > 0) new Logger('Migrations').log(`Applied ${applied.join(', ')}`);
        return applied;
      },
    },
  ],
  exports: [UnitOfWork, MigrationState, PgNotifications, ReadRouter, HistoryPartitions],
})
export class DatabaseModule {}
