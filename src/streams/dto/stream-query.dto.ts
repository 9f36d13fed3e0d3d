import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { UUID_PATTERN } from '../../common/ids';
import { MatchesKnownEventTypes } from '../../events/known-event-types';

const PATTERN = String.raw`(\*|[a-z0-9_]+(\.[a-z0-9_]+)*(\.\*)?)`;
/** Comma-separated event type patterns, as webhook endpoints take them. */
export const TYPES_PATTERN = new RegExp(`^${PATTERN}(,${PATTERN})*$`);
const ONE_PATTERN = new RegExp(`^${PATTERN}$`);
export const POSITION_PATTERN = /^\d{1,18}$/;

export class ResumeQueryDto {
  @ApiPropertyOptional({
    description:
      'Resume after this position (for clients that cannot send the Last-Event-ID header; ' +
      'the header wins when both are given)',
    pattern: POSITION_PATTERN.source,
  })
  @IsOptional()
  @IsString()
  @Matches(POSITION_PATTERN, { message: 'lastEventId must be an event position (digits)' })
  lastEventId?: string;
}

export class EventStreamQueryDto extends ResumeQueryDto {
  @ApiPropertyOptional({
    description:
      'Comma-separated event type patterns: `*`, `a.b` or `a.*` (as for webhooks); all when unset',
    example: 'workflow.*,task.progress',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  @Matches(TYPES_PATTERN, {
    message: 'types must be comma-separated patterns `*`, `a.b` or `a.*` (lower case)',
  })
  @MatchesKnownEventTypes(ONE_PATTERN)
  types?: string;

  @ApiPropertyOptional({ format: 'uuid', description: "Only this run's events" })
  @IsOptional()
  @IsString()
  @Matches(UUID_PATTERN, { message: 'workflowId must be a UUID' })
  workflowId?: string;
}
