import { Controller, Get, HttpCode } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import {
  HealthCheckError,
  HealthCheckService,
  HealthIndicatorResult,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '../common/auth/public.decorator';
import { ProblemDto } from '../common/errors/problem.dto';
import { MigrationState } from '../database/migration-state';
import { HealthUnavailableError } from './health.errors';
import { ShutdownState } from './shutdown-state';

@ApiTags('health')
@Public()
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly migrations: MigrationState,
    private readonly shutdown: ShutdownState,
  ) {}

  @Get('live')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Liveness: the process answers (never touches the database)',
    description:
      'Answered by the HTTP layer before guards and handlers run (see LiveProbe); it has the ' +
      'security headers, correlation id, log line and metrics of any request.',
  })
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({
    summary: 'Readiness: database reachable, migrations applied, not shutting down',
  })
  @ApiOkResponse({ schema: { example: { status: 'ok', checks: { database: 'up' } } } })
  @ApiServiceUnavailableResponse({ type: ProblemDto })
  async ready(): Promise<{ status: 'ok'; checks: Record<string, string> }> {
    if (this.shutdown.isShuttingDown)
      throw new HealthUnavailableError('The service is shutting down.');
    try {
      await this.health.check([
        () => this.database.pingCheck('database', { timeout: 1500 }),
        () => this.migrationCheck(),
      ]);
    } catch (error) {
      throw new HealthUnavailableError(`Not ready: ${describeFailure(error)}.`);
    }
    return { status: 'ok', checks: { database: 'up', migrations: 'applied' } };
  }

  private async migrationCheck(): Promise<HealthIndicatorResult> {
    const applied = await this.migrations.isApplied().catch(() => false);
    if (!applied) {
      throw new HealthCheckError('migrations', { migrations: { status: 'down' } });
    }
    return { migrations: { status: 'up' } };
  }
}

function describeFailure(error: unknown): string {
  const details = (error as { response?: { error?: Record<string, unknown> } }).response?.error;
  const failing = details ? Object.keys(details) : [];
  return failing.length > 0 ? `${failing.join(' and ')} check failed` : 'a check failed';
}
