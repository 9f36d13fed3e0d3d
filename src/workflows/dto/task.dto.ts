import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  Allow,
  IsBoolean,
  IsObject,
  IsInt,
  IsNumber,
  MaxLength,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { ANY_JSON } from '../../common/openapi/any-json';
import { AsSent } from '../../common/validation/as-sent';
import { UsageDto } from './usage.dto';

/** How many tasks a claim leases, and how long it waits for them. */
class ClaimSizeDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 10, default: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10)
  max?: number;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 30,
    default: 0,
    description: 'Long-poll: wait up to this long for work',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(30)
  waitSeconds?: number;
}

export class ClaimDto extends ClaimSizeDto {
  @ApiPropertyOptional({
    format: 'uuid',
    description:
      'Names this claim, so that it can be sent again when its answer is lost (a connection ' +
      'error): the claim sent again with the same claimId answers the tasks the first one ' +
      'leased, with their leases, while the agent still holds them, and claims anew only when ' +
      'it holds none of them. A new one for each claim.',
  })
  @IsOptional()
  @IsUUID()
  claimId?: string;
}

export class LeaseDto {
  @ApiProperty({ description: 'The leaseToken from the claim' })
  @IsString()
  @Length(1, 64)
  leaseToken: string;
}

/** The next tasks to lease with a completion, as a claim would (`POST .../tasks/claim`). */
export class ClaimNextDto extends ClaimSizeDto {}

export class CompleteDto extends LeaseDto {
  @ApiPropertyOptional({ description: 'Any JSON value; passed to dependent steps', ...ANY_JSON })
  @Allow()
  @AsSent()
  output?: unknown;

  @ApiPropertyOptional({
    type: ClaimNextDto,
    description:
      'Also claim the next tasks for the agent that held this one, once the completion has ' +
      'committed: the answer is then {task, next: {tasks}}, one request per task in steady ' +
      'state. Long-polls up to waitSeconds when none is queued.',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ClaimNextDto)
  claimNext?: ClaimNextDto;

  @ApiPropertyOptional({
    type: UsageDto,
    description:
      "What this attempt used (or its part since its last progress report): summed into the task's, the run's and the tenant's usage; may stop the run when it passes its budget",
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => UsageDto)
  usage?: UsageDto;
}

export class TaskErrorDto {
  @ApiProperty()
  @IsString()
  @Length(1, 4000)
  message: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 128)
  code?: string;
}

export class FailDto extends LeaseDto {
  @ApiProperty({ type: TaskErrorDto })
  @IsObject()
  @ValidateNested()
  @Type(() => TaskErrorDto)
  error: TaskErrorDto;

  @ApiPropertyOptional({ default: true, description: 'false: no retry, the run fails' })
  @IsOptional()
  @IsBoolean()
  retryable?: boolean;
}

export class ClaimedTaskDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) workflowId: string;
  @ApiProperty() stepKey: string;
  @ApiProperty() skill: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: '{input: <run input>, dependencies: {<stepKey>: <output>}}',
  })
  input: unknown;
  @ApiProperty() attempt: number;
  @ApiProperty() leaseToken: string;
  @ApiProperty({ format: 'date-time' }) leaseExpiresAt: string;
  @ApiProperty({
    description:
      "The lease's length in seconds (TASK_LEASE_SECONDS), what a heartbeat extends it to: time renewals from it (every third, say) rather than from leaseExpiresAt against the agent's own clock, which may be off.",
    example: 30,
  })
  leaseSeconds: number;
  @ApiPropertyOptional({
    description:
      "W3C traceparent of this attempt's `invoke_agent` span, in the trace of the run that queued the task. Present when the service exports traces: send it as the `traceparent` header of the task's heartbeat, complete and fail calls, and continue it in the agent's own spans.",
    example: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  })
  traceparent?: string;
}

export class ClaimResultDto {
  @ApiProperty({ type: [ClaimedTaskDto] }) tasks: ClaimedTaskDto[];
}

export class LeaseStateDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'date-time' }) leaseExpiresAt: string;
}

/** The outcome of the holder's attempt; a repeat with the same payload answers the same. */
export class AttemptResultDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) workflowId: string;
  @ApiProperty() stepKey: string;
  @ApiProperty({ description: 'The attempt reported on' }) attempt: number;
  @ApiProperty({ enum: ['succeeded', 'failed'] }) status: string;
  @ApiProperty({ description: 'true: queued again for attempt + 1 after its backoff' })
  willRetry: boolean;
}

/** A completion with `claimNext`: its outcome and the tasks leased next. */
export class CompleteAndClaimResultDto {
  @ApiProperty({ type: AttemptResultDto }) task: AttemptResultDto;
  @ApiProperty({ type: ClaimResultDto }) next: ClaimResultDto;
}

export class ProgressDto extends LeaseDto {
  @ApiPropertyOptional({ maxLength: 2000, example: 'Summarising chapter 3 of 12' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  message?: string;

  @ApiPropertyOptional({ minimum: 0, maximum: 100, example: 25 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(100)
  percent?: number;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Any JSON object (at most 16 KiB serialised): partial output, counters',
  })
  @IsOptional()
  @IsObject()
  @AsSent()
  data?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: UsageDto,
    description:
      'Usage since the last report (each report is added, not a running total): counted at once, for the budget too',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => UsageDto)
  usage?: UsageDto;
}

export class ProgressStateDto extends LeaseStateDto {
  @ApiProperty({
    description:
      'true: written to the history now; false: kept as the latest report, written within ' +
      'PROGRESS_INTERVAL_MS (reports are coalesced per task)',
  })
  emitted: boolean;
}
