import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { PageQueryDto } from '../../common/pagination';
import { RUN_STATUSES, TASK_STATUSES } from '../state-machine';
import type { RunStatus, TaskStatus } from '../state-machine';
import { IsSlug, MAX_STEPS, StepDto, StepViewDto } from './definition.dto';
import { STEP_KINDS } from '../dag';
import type { StepKind } from '../dag';
import { ANY_JSON } from '../../common/openapi/any-json';
import { AsSent } from '../../common/validation/as-sent';
import { TaskErrorDto } from './task.dto';

export class CreateRunDto {
  @ApiPropertyOptional({ example: 'sdlc', description: 'Start from this definition…' })
  @IsOptional()
  @IsSlug()
  definitionKey?: string;

  @ApiPropertyOptional({ minimum: 1, description: '…at this version (latest when absent)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  definitionVersion?: number;

  @ApiPropertyOptional({ description: 'Inline run: its type (instead of definitionKey)' })
  @IsOptional()
  @IsSlug()
  type?: string;

  @ApiPropertyOptional({ type: [StepDto], description: 'Inline run: its steps' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_STEPS)
  @ValidateNested({ each: true })
  @Type(() => StepDto)
  steps?: StepDto[];

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Run input' })
  @IsOptional()
  @IsObject()
  @AsSent()
  input?: Record<string, unknown>;

  @ApiPropertyOptional({ minimum: -1000, maximum: 1000, default: 0, description: 'Higher first' })
  @IsOptional()
  @IsInt()
  @Min(-1000)
  @Max(1000)
  priority?: number;

  @ApiPropertyOptional({
    format: 'date-time',
    description:
      'Delayed start: the run waits `scheduled` (no task claimable) until then; a time past starts now',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  startAt?: string;
}

/** The unfinished statuses a bulk cancel may filter on. */
export const LIVE_RUN_STATUSES = ['scheduled', 'pending', 'running'] as const;

export class CancelRunsDto {
  @ApiPropertyOptional({ description: 'Runs of this definition key (or inline type)' })
  @IsOptional()
  @IsSlug()
  definitionKey?: string;

  @ApiPropertyOptional({
    enum: LIVE_RUN_STATUSES,
    description: 'Runs in this status (else any unfinished)',
  })
  @IsOptional()
  @IsIn(LIVE_RUN_STATUSES)
  status?: (typeof LIVE_RUN_STATUSES)[number];

  @ApiPropertyOptional({ format: 'date-time', description: 'Runs created before this time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  createdBefore?: string;
}

export class CancelledRunsDto {
  @ApiProperty({ description: 'How many runs were cancelled' }) cancelled: number;
}

/** Why a run that has not finished does not move. */
export class RunWaitingDto {
  @ApiProperty({
    enum: ['schedule', 'paused'],
    description: 'schedule: a delayed start (until); paused: its definition is paused (since)',
  })
  reason: 'schedule' | 'paused';
  @ApiPropertyOptional({ format: 'date-time' }) until?: string;
  @ApiPropertyOptional({ format: 'date-time' }) since?: string;
}

export class RunQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: RUN_STATUSES })
  @IsOptional()
  @IsIn(RUN_STATUSES)
  status?: RunStatus;

  @ApiPropertyOptional({ description: 'Definition key or inline type' })
  @IsOptional()
  @IsSlug()
  type?: string;
}

/** Why a run failed: the step whose last attempt failed, and that attempt's error. */
export class RunErrorDto {
  @ApiProperty() stepKey: string;
  @ApiProperty({ format: 'uuid' }) taskId: string;
  @ApiProperty() attempt: number;
  @ApiProperty({ enum: ['failed', 'timed_out'] }) reason: string;
  @ApiProperty() message: string;
  @ApiPropertyOptional() code?: string;
}

export class TaskViewDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: TASK_STATUSES }) status: TaskStatus;
  @ApiProperty() attempt: number;
  @ApiProperty() maxAttempts: number;
  @ApiPropertyOptional({ nullable: true, type: String }) agentId: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) input: unknown;
  @ApiPropertyOptional({ nullable: true, ...ANY_JSON }) output: unknown;
  @ApiPropertyOptional({ nullable: true, type: TaskErrorDto }) error: unknown;
  @ApiProperty({ format: 'date-time' }) availableAt: string;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' }) leaseExpiresAt:
    string | null;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' }) claimedAt:
    string | null;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' }) finishedAt:
    string | null;
}

export class RunStepDto extends StepViewDto {
  @ApiProperty({ enum: STEP_KINDS }) declare kind: StepKind;

  @ApiProperty({
    enum: ['pending', ...TASK_STATUSES],
    description:
      'pending: waiting for its dependencies; waiting: a wait, approval or sleep under way; ' +
      'else its task status',
  })
  status: string;

  @ApiPropertyOptional({
    nullable: true,
    type: 'object',
    additionalProperties: true,
    description:
      'While waiting: {signal?, event?: {type, match}, onTimeout} (wait), {approval, approvers, ' +
      'description?} (approval) or {sleep: {seconds} | {until}} (sleep); else null',
  })
  waitingFor: unknown;

  @ApiPropertyOptional({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'While waiting: when it times out or its sleep ends (null: no deadline)',
  })
  deadline: string | null;

  @ApiPropertyOptional({ type: TaskViewDto, nullable: true }) task: TaskViewDto | null;
}

export class RunDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() type: string;
  @ApiPropertyOptional({ nullable: true, type: String }) definitionKey: string | null;
  @ApiPropertyOptional({ nullable: true, type: Number }) definitionVersion: number | null;
  @ApiProperty({ enum: RUN_STATUSES }) status: RunStatus;
  @ApiProperty() priority: number;
  @ApiPropertyOptional({ nullable: true, type: 'object', additionalProperties: true })
  input: unknown;
  @ApiPropertyOptional({
    nullable: true,
    type: 'object',
    additionalProperties: true,
    description: 'Step key → output, once succeeded',
  })
  output: unknown;
  @ApiPropertyOptional({ nullable: true, type: RunErrorDto }) error: unknown;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'The delayed start asked for, if any',
  })
  startAt: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' }) startedAt:
    string | null;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' }) finishedAt:
    string | null;
}

export class RunDetailDto extends RunDto {
  @ApiProperty({ type: [RunStepDto] }) steps: RunStepDto[];
  @ApiPropertyOptional({
    nullable: true,
    type: RunWaitingDto,
    description: 'Why the run waits (null when it does not)',
  })
  waiting: RunWaitingDto | null;
  @ApiPropertyOptional({
    nullable: true,
    type: RunStepDto,
    description:
      "The definition's onFinish github step (key `onFinish`): pending until the run finishes; null when there is none",
  })
  onFinish: RunStepDto | null;
}

/** One entry of a run's history. */
export class WorkflowEventDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({
    example: 'task.succeeded',
    description: 'workflow.*, task.*, or schedule.fired (the schedule tick that started the run)',
  })
  type: string;
  @ApiProperty({ format: 'date-time' }) occurredAt: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'task.*: {taskId, workflowId, stepKey, skill, agentId, attempt, durationMs, error?}; ' +
      'workflow.*: {workflowId, type, definitionVersion, status, startAt?, output?, error?} ' +
      '(workflow.activated: a delayed start came; workflow.retried: a failed run runs again); ' +
      'schedule.fired: {key, definitionKey, tickAt, firedAt, outcome, workflowId, nextFireAt}',
  })
  data: Record<string, unknown>;
  @ApiPropertyOptional({ nullable: true, type: String }) correlationId: string | null;
}
