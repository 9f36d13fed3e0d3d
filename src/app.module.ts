import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';
import { CommonModule } from './common/common.module';
import { InFlightHandlers } from './common/in-flight-handlers';
import { ProblemFilter } from './common/errors/problem.filter';
import { createValidationPipe } from './common/errors/validation';
import { loggingParams } from './common/logging/logging.options';
import { IpAllowlistGuard } from './common/net/ip-allowlist';
import { FixedWindowStorage } from './common/throttling/fixed-window.storage';
import { RateLimitGuard } from './common/throttling/rate-limit.guard';
import { RedisBackedStorage } from './common/throttling/redis.storage';
import { AgentsModule } from './agents/agents.module';
import { IdempotencyModule } from './common/idempotency/idempotency.module';
import { WorkflowsModule } from './workflows/workflows.module';
import { SchedulesModule } from './schedules/schedules.module';
import { AuditModule } from './audit/audit.module';
import { AuthGuard } from './auth/auth.guard';
import { AuthModule } from './auth/auth.module';
import { AppConfig } from './config/config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { EventsModule } from './events/events.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { InboundWebhooksModule } from './webhooks/inbound/inbound-webhooks.module';
import { OutboundWebhooksModule } from './webhooks/outbound/outbound-webhooks.module';
import { StreamsModule } from './streams/streams.module';
import { A2aModule } from './a2a/a2a.module';

@Module({})
export class AppModule {
  /** The whole application for one validated configuration (production and e2e tests alike). */
  static forRoot(config: AppConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(loggingParams(logger)),
        CommonModule,
        DatabaseModule,
        HealthModule,
        MetricsModule,
        AuditModule,
        EventsModule,
        AuthModule,
        AgentsModule,
        InboundWebhooksModule,
        IdempotencyModule,
        WorkflowsModule,
        SchedulesModule,
        OutboundWebhooksModule,
        StreamsModule,
        A2aModule,
        ThrottlerModule.forRoot({
          throttlers: [{ name: 'default', ttl: 60_000, limit: config.rateLimitPerMinute }],
          // The problem's detail (the default names the exception class).
          errorMessage: 'Too many requests for this key (or address): retry after Retry-After.',
          storage: config.redisUrl
            ? new RedisBackedStorage(config.redisUrl)
            : new FixedWindowStorage(),
        }),
      ],
      providers: [
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: ProblemFilter },
        // Guards run in this order: client address, API key and scope, then the rate limit
        // (which counts per key once the key is known).
        { provide: APP_GUARD, useClass: IpAllowlistGuard },
        { provide: APP_GUARD, useExisting: AuthGuard },
        { provide: APP_GUARD, useClass: RateLimitGuard },
        // Counts running handlers (createApp wraps the routes): the shutdown waits for them
        // before the pool closes.
        InFlightHandlers,
      ],
    };
  }
}
