import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsNotEmptyObject,
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
import { BudgetDto, UsageTotalsDto } from './usage.dto';
import { IsInstant } from '../../common/validation/instant';
import { NonEmptyList } from '../../common/validation/non-empty';

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
  @NonEmptyList()
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
  @IsInstant()
  @IsISO8601({ strict: true })
  startAt?: string;

  @ApiPropertyOptional({
    type: BudgetDto,
    description:
      'Limits on the usage agents report for the run and on its running time: once passed, ' +
      'the run is budget_exceeded and no new task is dispatched until the budget is raised',
  })
  @IsOptional()
  @IsObject()
  // nullable false: the fields the DTO class defines as undefined are no limit (a limit sent
  // as null is refused by BudgetDto, naming it).
  @IsNotEmptyObject(
    { nullable: false },
    { message: 'budget must name at least one of tokens, costUsd, wallSeconds' },
  )
  @ValidateNested()
  @Type(() => BudgetDto)
  budget?: BudgetDto;
}

/** The unfinished statuses a bulk cancel may filter on. */
export const LIVE_RUN_STATUSES = ['scheduled', 'pending', 'running', 'budget_exceeded'] as const;

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
  @IsInstant()
  @IsISO8601({ strict: true })
  createdBefore?: string;
}

export class CancelledRunsDto {
  @ApiProperty({ description: 'How many runs were cancelled' }) cancelled: number;
}

/** Why a run that has not finished does not move. */
export class RunWaitingDto {
  @ApiProperty({
    enum: ['schedule', 'concurrency', 'paused', 'rate_limit', 'budget'],
    description:
      'budget: its usage passed its budget (exceeded: the limits passed; POST ' +
      '/workflows/{id}/budget raises it); ' +
      'schedule: a delayed start (until); concurrency: a slot of its concurrency key (key, ' +
      'limit, ahead, since); paused: its definition is paused (since); rate_limit: a ready ' +
      'task (stepKey) waits for units of a rate limit (until they are back, a claim may take ' +
      'them first; defined false: no rate limit of that key exists)',
  })
  reason: 'schedule' | 'concurrency' | 'paused' | 'rate_limit' | 'budget';
  @ApiPropertyOptional({
    type: [String],
    enum: ['tokens', 'costUsd', 'wallSeconds'],
    description: 'budget: the limits its usage passed',
  })
  exceeded?: string[];
  @ApiPropertyOptional({ format: 'date-time' }) until?: string;
  @ApiPropertyOptional({
    format: 'date-time',
    description: 'paused: since the pause; concurrency: since it joined the queue',
  })
  since?: string;
  @ApiPropertyOptional({
    description: 'concurrency: the key value the run waits for (any JSON value; null: absent)',
  })
  key?: unknown;
  @ApiPropertyOptional({ description: 'concurrency: runs of that key value allowed at once' })
  limit?: number;
  @ApiPropertyOptional({ description: 'concurrency: runs of that key value queued before it' })
  ahead?: number;
  @ApiPropertyOptional({ description: 'rate_limit: its key' }) rateLimit?: string;
  @ApiPropertyOptional({ description: 'rate_limit: the step whose task waits' }) stepKey?: string;
  @ApiPropertyOptional({ description: 'rate_limit: the units the task takes' }) units?: number;
  @ApiPropertyOptional({ description: 'rate_limit: false when no rate limit of that key exists' })
  defined?: boolean;
}

export class ElementQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: TASK_STATUSES, description: 'Only elements in this status' })
  @IsOptional()
  @IsIn(TASK_STATUSES)
  status?: TaskStatus;
}

export class AgentTaskQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: TASK_STATUSES, description: 'Only tasks in this status' })
  @IsOptional()
  @IsIn(TASK_STATUSES)
  status?: TaskStatus;
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

/**
 * Why a run failed: the step whose last attempt failed, and that attempt's error; or why its
 * concurrency key cancelled it (reason `concurrency`: key, strategy, cancelledBy).
 */
export class RunErrorDto {
  @ApiPropertyOptional({ description: 'failed, timed_out' }) stepKey?: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'failed, timed_out' }) taskId?: string;
  @ApiPropertyOptional({ description: 'failed, timed_out' }) attempt?: number;
  @ApiProperty({ enum: ['failed', 'timed_out', 'concurrency'] }) reason: string;
  @ApiProperty() message: string;
  @ApiPropertyOptional() code?: string;
  @ApiPropertyOptional({ description: 'A fan-out step: the element that ran out of attempts' })
  elementIndex?: number;
  @ApiPropertyOptional({ description: 'concurrency: the key value' }) key?: unknown;
  @ApiPropertyOptional({ enum: ['cancel-newest', 'cancel-in-progress'] }) strategy?: string;
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'concurrency (cancel-in-progress): the newer run that took its slot',
  })
  cancelledBy?: string;
}

export class TaskViewDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: TASK_STATUSES }) status: TaskStatus;
  @ApiProperty() attempt: number;
  @ApiProperty() maxAttempts: number;
  @ApiPropertyOptional({ nullable: true, type: String }) agentId: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) input: unknown;
  @ApiPropertyOptional({ ...ANY_JSON }) output: unknown;
  @ApiPropertyOptional({ nullable: true, type: TaskErrorDto }) error: unknown;
  @ApiProperty({ format: 'date-time' }) availableAt: string;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' }) leaseExpiresAt:
    string | null;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' }) claimedAt:
    string | null;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' }) finishedAt:
    string | null;
  @ApiPropertyOptional({
    nullable: true,
    type: UsageTotalsDto,
    description: 'What its holders reported, summed over its attempts; null: nothing reported',
  })
  usage: UsageTotalsDto | null;
}

export class FanOutTaskViewDto extends TaskViewDto {
  @ApiProperty({ description: "The element's index in the forEach array" }) index: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      "{item, index}: the element's own part of its input (the rest is its step's input, on " +
      "the step's task; GET /tasks/{id} shows it whole)",
  })
  declare input: unknown;
}

/** A fan-out step's elements: how many, how they stand, and a few of their tasks. */
export class FanOutViewDto {
  @ApiProperty({ example: '$.steps.plan.output.items' }) forEach: string;
  @ApiPropertyOptional({
    nullable: true,
    type: Number,
    description: 'How many elements the forEach resolved to (null: it did not resolve to an array)',
  })
  elements: number | null;
  @ApiProperty({ description: 'Elements waiting to be claimed (or for their retry backoff)' })
  queued: number;
  @ApiProperty({ description: 'Elements an agent holds now' }) running: number;
  @ApiProperty() succeeded: number;
  @ApiProperty({ description: 'Elements that ran out of attempts (failed or timed out)' })
  failed: number;
  @ApiProperty() cancelled: number;
  @ApiProperty({
    type: [FanOutTaskViewDto],
    description:
      'At most 20 element tasks: failed first, then running, queued, cancelled, succeeded, ' +
      'each by index; GET /workflows/{id}/steps/{stepKey}/elements pages through all of them',
  })
  tasks: FanOutTaskViewDto[];
}

export class RunStepDto extends StepViewDto {
  @ApiProperty({ enum: STEP_KINDS }) declare kind: StepKind;

  @ApiProperty({
    enum: ['pending', ...TASK_STATUSES],
    description:
      'pending: waiting for its dependencies; waiting: a wait, approval or sleep under way, or ' +
      "a fan-out's elements running; else its task status",
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

  @ApiPropertyOptional({
    type: TaskViewDto,
    nullable: true,
    description: "The step's task (a fan-out: its own row, whose output is the array)",
  })
  task: TaskViewDto | null;

  @ApiPropertyOptional({
    type: FanOutViewDto,
    nullable: true,
    description: 'A forEach step once ready: its elements; else null',
  })
  fanOut: FanOutViewDto | null;
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
  @ApiPropertyOptional({
    nullable: true,
    type: UsageTotalsDto,
    description: 'What its agents reported, summed over its tasks; null: nothing reported',
  })
  usage: UsageTotalsDto | null;
  @ApiPropertyOptional({
    nullable: true,
    type: BudgetDto,
    description: 'Its limits (null: none); budget_exceeded once its usage passes one',
  })
  budget: BudgetDto | null;
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
