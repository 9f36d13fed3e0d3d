import type { LoggerService } from '@nestjs/common';
import { withBootDetailAtDebug } from './boot-detail';

describe('withBootDetailAtDebug', () => {
  const calls: Array<[string, unknown[]]> = [];
  const record =
    (level: string) =>
    (...args: unknown[]) =>
      calls.push([level, args]);
  const inner: LoggerService = {
    log: record('log'),
    error: record('error'),
    warn: record('warn'),
    debug: record('debug'),
  };
  beforeEach(() => calls.splice(0));

  it('sends route and module lines to debug, everything else where it was', () => {
    const logger = withBootDetailAtDebug(inner);
    logger.log('Mapped {/api/v1/agents, POST} route', 'RouterExplorer');
    logger.log('AgentsController {/api/v1/agents}:', 'RoutesResolver');
    logger.log('AppModule dependencies initialized', 'InstanceLoader');
    logger.log('Nest application successfully started', 'NestApplication');
    logger.warn('careful', 'RouterExplorer');
    expect(calls.map(([level]) => level)).toEqual(['debug', 'debug', 'debug', 'log', 'warn']);
    expect(calls[0][1]).toEqual(['Mapped {/api/v1/agents, POST} route', 'RouterExplorer']);
  });
});
