import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { IsInstant } from '../../common/validation/instant';
import { INT32_MAX, QueryInt } from '../../common/query-int';

/** lf.a2a.v1 TaskState names a ListTasks `status` filter may carry. */
export const TASK_STATE_FILTERS = [
  'TASK_STATE_UNSPECIFIED',
  'TASK_STATE_SUBMITTED',
  'TASK_STATE_WORKING',
  'TASK_STATE_COMPLETED',
  'TASK_STATE_FAILED',
  'TASK_STATE_CANCELED',
  'TASK_STATE_INPUT_REQUIRED',
  'TASK_STATE_REJECTED',
  'TASK_STATE_AUTH_REQUIRED',
] as const;

/** lf.a2a.v1 ListTasksRequest as query parameters (HTTP+JSON binding). */
export class ListTasksQueryDto {
  @ApiPropertyOptional({ description: 'A run id: each task is its own context' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  contextId?: string;

  @ApiPropertyOptional({ enum: TASK_STATE_FILTERS, description: 'Only tasks in this state' })
  @IsOptional()
  @IsIn(TASK_STATE_FILTERS)
  status?: (typeof TASK_STATE_FILTERS)[number];

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 50 })
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(100)
  pageSize?: number;

  @ApiPropertyOptional({ description: 'nextPageToken of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  pageToken?: string;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: INT32_MAX,
    description: 'Accepted; tasks carry no message history, so none is returned',
  })
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(0)
  @Max(INT32_MAX)
  historyLength?: number;

  @ApiPropertyOptional({
    format: 'date-time',
    description:
      'Only tasks whose status timestamp (the last change of state: start, an approval or ' +
      'wait step beginning or ending, the end) is after this time (with its zone); the ' +
      'timestamp of a task already seen passes it over',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  @IsInstant()
  statusTimestampAfter?: string;

  @ApiPropertyOptional({
    enum: ['true', 'false'],
    description: 'Include artifacts (default false)',
  })
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'includeArtifacts must be true or false' })
  includeArtifacts?: 'true' | 'false';
}

/** GetTask's query (and SubscribeToTask's, which shares its path): historyLength alone. */
export class GetTaskQueryDto {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: INT32_MAX,
    description: 'Accepted; tasks carry no message history, so none is returned',
  })
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(0)
  @Max(INT32_MAX)
  historyLength?: number;
}
