import { NestFactory } from '@nestjs/core';
import { LogController } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { resolveCorrelationId } from './common/context/correlation-id';
import { closeConnectionsAsTheyIdle, refuseRequestsWhileClosing } from './common/http-shutdown';
import { sendClientError, sendFrameworkError } from './common/errors/framework-errors';
import { withBootDetailAtDebug } from './common/logging/boot-detail';
import { lazyChildLoggerFactory } from './common/logging/lazy-child-logger';
import { createRootLogger } from './common/logging/logging.options';
import { AppConfig } from './config/config';
import { setupSwagger } from './swagger';
import { serveConsole } from './console/console-static';
import { InFlightHandlers } from './common/in-flight-handlers';
import { ReadRouter } from './database/read-router';
import { ShutdownState } from './health/shutdown-state';
import { LeanFastifyAdapter } from './common/lean-fastify-adapter';
import { keepRawJsonOnHooks, limitHookBodies } from './webhooks/inbound/raw-body';

export const API_PREFIX = 'api/v1';
// The probes, metrics, and the A2A surface where A2A clients look for it (outside /api/v1).
const ROOT_ROUTES = [
  'health/live',
  'health/ready',
  'metrics',
  '.well-known/agent-card.json',
  'a2a/v1/{*path}',
];

/**
 * Builds the application exactly as production runs it; the e2e tests call this too, so what
 * they exercise is the real stack (adapter options, prefix, helmet, docs, global providers).
 */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const logger = createRootLogger(config);
  const adapter = new LeanFastifyAdapter({
    loggerInstance: logger,
    // Our onResponse hook writes the one line per request; Fastify's own lines are off.
    logController: new LogController({
      disableRequestLogging: true,
      requestIdLogLabel: 'correlationId',
    }),
    // Each request's logger is made only if something writes to it.
    childLoggerFactory: lazyChildLoggerFactory,
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    requestIdHeader: false,
    genReqId: (request: IncomingMessage) => resolveCorrelationId(request.headers['x-request-id']),
    // Refused by refuseRequestsWhileClosing instead, as problem+json.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    frameworkErrors: sendFrameworkError,
    clientErrorHandler: sendClientError,
  });
  // The application's shutdown state, once it exists (the hook is registered before it).
  let draining = (): boolean => false;
  refuseRequestsWhileClosing(adapter.getInstance(), () => draining());
  limitHookBodies(adapter.getInstance(), config.inboundBodyLimitBytes);
  closeConnectionsAsTheyIdle(adapter.getInstance());
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, logger),
    adapter,
    {
      bufferLogs: true,
      abortOnError: false,
    },
  );
  // Before any route is registered: every handler is counted, and with a replica the writing
  // ones keep their key's reads on the primary.
  app.get(InFlightHandlers).countRoutesOf(app.getHttpAdapter().getInstance());
  app.get(ReadRouter).trackWritesOf(app.getHttpAdapter().getInstance());
  const shutdown = app.get(ShutdownState);
  draining = () => shutdown.isShuttingDown;
  app.useLogger(withBootDetailAtDebug(app.get(Logger)));
  app.flushLogs();
  app.setGlobalPrefix(API_PREFIX, { exclude: ROOT_ROUTES });
  if (config.corsOrigins.length > 0) {
    app.enableCors({ origin: config.corsOrigins, exposedHeaders: ['x-request-id', 'retry-after'] });
  }
  setupSwagger(app);
  serveConsole(app.getHttpAdapter().getInstance());
  await app.init();
  keepRawJsonOnHooks(app.getHttpAdapter().getInstance(), config.bodyLimitBytes);
  await app.getHttpAdapter().getInstance().ready();
  return app;
}
