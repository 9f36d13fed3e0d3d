import type { LoggerService } from '@nestjs/common';

/** Nest's start-up chatter: a line per module and per route, at debug instead of info. */
const BOOT_DETAIL_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer']);

/**
 * The application logger, except that Nest's module-loaded and route-mapped lines (some 150 of
 * them at each start) go at debug: at the default level a start says what a user needs.
 */
export function withBootDetailAtDebug(logger: LoggerService): LoggerService {
  const isBootDetail = (optional: unknown[]) => {
    const context = optional[optional.length - 1];
    return typeof context === 'string' && BOOT_DETAIL_CONTEXTS.has(context);
  };
  return {
    log: (message: unknown, ...optional: unknown[]) => {
      if (isBootDetail(optional)) logger.debug?.(message, ...optional);
      else logger.log(message, ...optional);
    },
    error: (message: unknown, ...optional: unknown[]) => {
      logger.error(message, ...optional);
    },
    warn: (message: unknown, ...optional: unknown[]) => {
      logger.warn(message, ...optional);
    },
    debug: (message: unknown, ...optional: unknown[]) => {
      logger.debug?.(message, ...optional);
    },
    verbose: (message: unknown, ...optional: unknown[]) => {
      logger.verbose?.(message, ...optional);
    },
    fatal: (message: unknown, ...optional: unknown[]) => {
      logger.fatal?.(message, ...optional);
    },
  };
}
