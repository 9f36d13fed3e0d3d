import type { INestApplication } from '@nestjs/common';
import type { Logger } from 'pino';
import type { AppConfig } from './config/config';
import type { EmbeddedDatabase } from './database/embedded-postgres';
import { ShutdownState } from './health/shutdown-state';
import { stopTracing } from './tracing';

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * SIGTERM (and Ctrl-C): readiness turns 503 at once; after SHUTDOWN_DELAY_MS the listener
 * closes and in-flight requests drain; workers stop and the pool closes (Nest shutdown hooks);
 * the embedded database stops last. Exit 0 within SHUTDOWN_GRACE_MS. A second signal exits now.
 */
export function installShutdown(
  app: INestApplication,
  config: AppConfig,
  log: Logger,
  embedded?: EmbeddedDatabase,
): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    void shutdown(signal);
  };

  const shutdown = async (signal: NodeJS.Signals) => {
    const started = Date.now();
    log.info(`${signal} received: draining (grace ${config.shutdownGraceMs} ms)`);
    app.get(ShutdownState).begin();
    const forced = setTimeout(() => {
      log.error('Grace period over before the drain finished: exiting');
      process.exit(1);
    }, config.shutdownGraceMs + 5_000);
    forced.unref();
    try {
      if (signal === 'SIGTERM') await sleep(config.shutdownDelayMs);
      const remaining = Math.max(0, config.shutdownGraceMs - (Date.now() - started));
      await Promise.race([app.close(), sleep(remaining)]);
    } catch (error) {
      log.error({ err: error }, 'Error while closing the application');
    }
    await embedded?.stop();
    // The spans of the drain are exported too.
    await stopTracing();
    log.info(`Stopped after ${Date.now() - started} ms`);
    process.exit(0);
  };

  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
