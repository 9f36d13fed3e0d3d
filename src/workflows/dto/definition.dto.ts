import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import type { ApiPropertyOptions } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  Allow,
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  registerDecorator,
  ValidateNested,
} from 'class-validator';
import {
  GITHUB_EVENT_NAME,
  INBOUND_EVENT_NAME,
  MAX_EVENT_LENGTH,
  SOURCE_KEY_PATTERN,
  TRIGGER_ACTION,
} from '../../common/inbound-names';
import { CONCURRENCY_STRATEGIES, INPUT_PATH, MAX_CONCURRENCY_LIMIT } from '../concurrency';
import type { ConcurrencySpec, ConcurrencyStrategy } from '../concurrency';
import { ROUTING_MODES, STEP_KINDS } from '../dag';
import type { RoutingMode, StepKind } from '../dag';
import { COMMIT_STATES, GITHUB_ACTIONS } from '../github-spec';
import type { CommitState, GithubAction } from '../github-spec';
import type { WorkflowDefinition } from '../entities/workflow-definition.entity';
import { INT32_MAX, QueryInt } from '../../common/query-int';
import { NonEmptyList } from '../../common/validation/non-empty';

export const SLUG_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const MAX_STEPS = 200;

const RATE_LIMIT_REF_SCHEMA: ApiPropertyOptions = {
  oneOf: [
    { type: 'string', example: 'openai' },
    {
      type: 'object',
      required: ['key'],
      additionalProperties: false,
      properties: {
        key: { type: 'string', example: 'openai' },
        units: { type: 'string', example: '$.input.tokens' },
      },
    },
  ],
};

/** Step keys, skills and definition keys: slugs of 1-64 characters. */
export const IsSlug = (): PropertyDecorator =>
  applyDecorators(
    IsString(),
    Matches(SLUG_PATTERN, { message: '$property must be a slug: a-z, 0-9, ".", "_" or "-"' }),
  );

export class RetryBackoffDto {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: 86400,
    default: 1,
    description: 'Delay before the first retry',
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(86_400)
  initialSeconds?: number;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 10,
    default: 2,
    description: 'Each retry waits this many times longer',
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(1)
  @Max(10)
  factor?: number;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 86400,
    default: 300,
    description: 'Cap on any one delay',
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(86_400)
  maxSeconds?: number;
}

export class WaitEventDto {
  @ApiProperty({
    example: 'inbound.github.pull_request',
    description: 'The event type: exact, `prefix.*`, or `*` (as for webhook endpoints)',
  })
  @IsString()
  @Length(1, 128)
  type: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { 'payload.action': 'closed', 'payload.pull_request.number': '$.input.pr' },
    description:
      "Dot paths into the event's data → the value each must equal: a constant, or " +
      '`$.input...` (a path into the run input, read when the step starts waiting)',
  })
  @IsOptional()
  @IsObject()
  match?: Record<string, unknown>;
}

export class StepDto {
  @ApiProperty({ example: 'scaffold' })
  @IsSlug()
  key: string;

  @ApiPropertyOptional({
    enum: STEP_KINDS,
    default: 'task',
    description:
      'task: an agent does it; wait: a signal or an event; approval: a person (or key) ' +
      'decides; sleep: time passes; github: the service comments or sets a commit status. ' +
      'Only task steps occupy an agent.',
  })
  @IsOptional()
  @IsIn(STEP_KINDS)
  kind?: StepKind;

  @ApiPropertyOptional({ example: 'code.scaffold', description: 'task: an agent skill id' })
  @IsOptional()
  @IsSlug()
  skill?: string;

  @ApiPropertyOptional({ example: 'deploy-approved', description: 'wait: the signal name' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  signal?: string;

  @ApiPropertyOptional({ type: WaitEventDto, description: 'wait: the domain event it waits for' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => WaitEventDto)
  event?: WaitEventDto;

  @ApiPropertyOptional({
    enum: ['fail', 'succeed'],
    default: 'fail',
    description: 'wait: what its timeout does to the step',
  })
  @IsOptional()
  @IsIn(['fail', 'succeed'])
  onTimeout?: 'fail' | 'succeed';

  @ApiPropertyOptional({
    type: [String],
    description:
      'approval: who may decide besides keys with workflows:approve: scopes (a key holding one) ' +
      'or single keys as key:<id>. Key names are refused: they are not unique.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(32)
  @IsString({ each: true })
  @Length(1, 200, { each: true })
  approvers?: string[];

  @ApiPropertyOptional({
    enum: GITHUB_ACTIONS,
    description: 'github: `comment` on an issue or pull request, or a commit `status`',
  })
  @IsOptional()
  @IsIn(GITHUB_ACTIONS)
  action?: GithubAction;

  @ApiPropertyOptional({
    example: '{{steps.review.output.text}}',
    maxLength: 65536,
    description:
      'github comment: the body, a template: {{run.id}}, {{run.status}}, {{input.<path>}}, ' +
      '{{steps.<key>.output.<path>}} (input values Markdown-escaped); capped at 65,536 characters',
  })
  @IsOptional()
  @IsString()
  body?: string;

  @ApiPropertyOptional({
    example: '$.input.payload.repository.full_name',
    description:
      'github: `owner/name` or a JSON path; default: the repository of the event that started the run',
  })
  @IsOptional()
  @IsString()
  repo?: string;

  @ApiPropertyOptional({
    oneOf: [{ type: 'integer', minimum: 1 }, { type: 'string' }],
    example: '$.input.payload.issue.number',
    description:
      'github comment: an issue or pull request number or a JSON path; default: `issue.number` or `pull_request.number` of the event',
  })
  @IsOptional()
  issue?: number | string;

  @ApiPropertyOptional({
    enum: COMMIT_STATES,
    description: 'github status: the state; default `pending` in a run, the outcome in `onFinish`',
  })
  @IsOptional()
  @IsIn(COMMIT_STATES)
  state?: CommitState;

  @ApiPropertyOptional({ example: 'agentmesh/review', description: 'github status: its context' })
  @IsOptional()
  @IsString()
  context?: string;

  @ApiPropertyOptional({
    example: '$.input.payload.pull_request.head.sha',
    description:
      'github status: a commit sha or a JSON path; default: the pull request head of the event',
  })
  @IsOptional()
  @IsString()
  sha?: string;

  @ApiPropertyOptional({
    description: 'github status: the link shown with it; default: the run in the console',
  })
  @IsOptional()
  @IsString()
  targetUrl?: string;

  @ApiPropertyOptional({
    description:
      'approval: what is to be approved; github status: the description template (rendered text capped at 140 characters)',
    maxLength: 2000,
  })
  @IsOptional()
  @IsString()
  @Length(1, 2000)
  description?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 2592000, description: 'sleep: for this long' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(2_592_000)
  seconds?: number;

  @ApiPropertyOptional({
    example: '$.input.wakeAt',
    description:
      'sleep: until this ISO 8601 time, or the time at a JSON path ($.input..., $.dependencies...)',
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  until?: string;

  @ApiPropertyOptional({
    example: '$.steps.plan.output.items',
    description:
      'task: fan out: one task per element (at most 1000) of the array at this JSON path, read ' +
      'when the step becomes ready: $.input... or $.steps.<dependency>.output...; each task ' +
      "gets {input, dependencies, item, index}; the step's output is the array of their outputs",
  })
  @IsOptional()
  @IsString()
  @Length(1, 256)
  forEach?: string;

  @ApiPropertyOptional({ type: [String], description: 'Keys of steps that must succeed first' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_STEPS)
  @IsString({ each: true })
  dependsOn?: string[];

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 2592000,
    description:
      'task: an attempt running longer times out (at most 86400); wait (required), approval: ' +
      'the step times out after this long (at most 30 days)',
  })
  // Its most is the step kind's (a task's 86400, a wait's 30 days), checked with the kind
  // (dag.ts), so a value is refused once, with the limit that applies.
  @IsOptional()
  @IsInt()
  @Min(1)
  timeoutSeconds?: number;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 100,
    default: 3,
    description: 'task (3), github (5)',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  maxAttempts?: number;

  @ApiPropertyOptional({
    type: RetryBackoffDto,
    description: 'Delay before retry n: min(maxSeconds, initialSeconds × factor^(n-1))',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => RetryBackoffDto)
  retryBackoff?: RetryBackoffDto;

  @ApiPropertyOptional({
    ...RATE_LIMIT_REF_SCHEMA,
    description:
      'task: a shared rate limit (POST /rate-limits) its tasks take tokens from when claimed: ' +
      'its key, or {key, units} with units a JSON path to a positive number in the task input ' +
      '(default 1 unit). Its tasks wait queued while the bucket lacks the units, or while no ' +
      'rate limit of that key exists.',
  })
  // Checked with the rest of the step in normaliseSteps (a key, or {key, units?}).
  @Allow()
  rateLimit?: string | { key: string; units?: string };

  @ApiPropertyOptional({
    enum: ROUTING_MODES,
    description:
      'task: how its tasks reach agents. fifo: whoever claims first. outcome: when agents ' +
      "with the skill are waiting, one drawn by Thompson sampling over each one's recent " +
      "outcomes for the skill is offered the task first, for the tenant's reservationMs. " +
      "Absent: the definition's routing (default fifo).",
  })
  // Checked with the rest of the step in normaliseSteps, so the error names the step.
  @Allow()
  routing?: RoutingMode;
}

/** A definition's `onFinish`: a github step run once a run has finished, whatever its outcome. */
export class OnFinishDto extends OmitType(StepDto, [
  'key',
  'routing',
  'skill',
  'signal',
  'event',
  'onTimeout',
  'approvers',
  'seconds',
  'until',
  'dependsOn',
  'timeoutSeconds',
] as const) {}

/**
 * GitHub's event names have no dots or hyphens (its `X-GitHub-Event`): such a name on the
 * `github` source could never match a delivery.
 */
function IsGithubEventOnGithub(): PropertyDecorator {
  return (target: object, property: string | symbol) => {
    registerDecorator({
      name: 'isGithubEventOnGithub',
      target: target.constructor,
      propertyName: String(property),
      validator: {
        validate: (value: unknown, args) =>
          (args?.object as { source?: unknown } | undefined)?.source !== 'github' ||
          typeof value !== 'string' ||
          GITHUB_EVENT_NAME.test(value),
        defaultMessage: () =>
          'a GitHub event name has no dots or hyphens (issues, pull_request, issue_comment)',
      },
    });
  };
}

export class TriggerDto {
  @ApiProperty({
    example: 'github',
    pattern: SOURCE_KEY_PATTERN.source,
    description: '`github`, or the key of a Standard Webhooks source',
  })
  @IsString()
  @Matches(SOURCE_KEY_PATTERN, { message: 'source must be "github" or a source key' })
  source: string;

  @ApiProperty({
    example: 'issues',
    pattern: INBOUND_EVENT_NAME.source,
    maxLength: MAX_EVENT_LENGTH,
    description:
      'The event name as deliveries carry it: GitHub’s `X-GitHub-Event` (`issues`, ' +
      '`pull_request`: no dots), a Standard Webhooks source’s `type` lower-cased ' +
      '(`invoice.paid`), or `received` for its deliveries without one',
  })
  @IsString()
  @MaxLength(MAX_EVENT_LENGTH)
  @Matches(INBOUND_EVENT_NAME, {
    message: 'event must be a lower-case event name as deliveries carry it (issues, invoice.paid)',
  })
  @IsGithubEventOnGithub()
  event: string;

  @ApiPropertyOptional({
    example: 'opened',
    pattern: TRIGGER_ACTION.source,
    description:
      'Only deliveries whose payload `action` is this one (GitHub’s `opened`, `closed`, ...); ' +
      'omitted: every action',
  })
  @IsOptional()
  @IsString()
  @Matches(TRIGGER_ACTION, { message: 'action must be a lower-case action name (opened, closed)' })
  action?: string;
}

/** At most `limit` runs of the definition per value of `key` run at once. */
export class ConcurrencyDto {
  @ApiProperty({
    example: '$.input.repo',
    description:
      "A JSON path into the run's input (`$.input` or a dot path in it). Runs whose input lacks " +
      'it (or holds null there) share the key value null.',
  })
  @IsString()
  @Matches(INPUT_PATH, { message: 'key must be $.input or a dot path in it, such as $.input.repo' })
  key: string;

  @ApiProperty({ minimum: 1, maximum: MAX_CONCURRENCY_LIMIT, example: 1 })
  @IsInt()
  @Min(1)
  @Max(MAX_CONCURRENCY_LIMIT)
  limit: number;

  @ApiPropertyOptional({
    enum: CONCURRENCY_STRATEGIES,
    default: 'queue',
    description:
      'When the key value has `limit` runs running: queue (the run waits pending, in arrival ' +
      'order), cancel-newest (the arriving run is cancelled), cancel-in-progress (the oldest ' +
      'running one is cancelled and the arriving run starts)',
  })
  @IsOptional()
  @IsIn(CONCURRENCY_STRATEGIES)
  strategy?: ConcurrencyStrategy;
}

export class CreateDefinitionDto {
  @ApiProperty({ example: 'sdlc' })
  @IsSlug()
  key: string;

  @ApiPropertyOptional({ example: 'Scaffold, validate, deploy' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiProperty({ type: [StepDto] })
  @IsArray()
  @NonEmptyList()
  @ArrayMaxSize(MAX_STEPS)
  @ValidateNested({ each: true })
  @Type(() => StepDto)
  steps: StepDto[];

  @ApiPropertyOptional({
    enum: ROUTING_MODES,
    default: 'fifo',
    description:
      'The routing of its task steps that do not name one (stored on each step: `outcome` ' +
      'appears on the steps it applies to)',
  })
  @IsOptional()
  @IsIn(ROUTING_MODES)
  routing?: RoutingMode;

  @ApiPropertyOptional({
    type: OnFinishDto,
    example: { kind: 'github', action: 'status', context: 'agentmesh/review' },
    description:
      'A github step run when a run finishes (succeeded, failed or cancelled), so it always reports',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => OnFinishDto)
  onFinish?: OnFinishDto;

  @ApiPropertyOptional({ type: [TriggerDto], description: 'Inbound events that start a run' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(32)
  @ValidateNested({ each: true })
  @Type(() => TriggerDto)
  triggers?: TriggerDto[];

  @ApiPropertyOptional({
    type: ConcurrencyDto,
    description: 'A concurrency key: at most `limit` runs per key value at once',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ConcurrencyDto)
  concurrency?: ConcurrencyDto;
}

export class DefinitionQueryDto {
  @ApiPropertyOptional({ minimum: 1, description: 'A version; the latest when absent' })
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(INT32_MAX)
  version?: number;
}

export class StepViewDto {
  @ApiProperty() key: string;
  @ApiPropertyOptional({ enum: STEP_KINDS, description: 'Absent: task' }) kind?: StepKind;
  @ApiProperty({ description: "The task's skill; '' for steps of other kinds" }) skill: string;
  @ApiPropertyOptional() signal?: string;
  @ApiPropertyOptional({ type: WaitEventDto }) event?: WaitEventDto;
  @ApiPropertyOptional({ enum: ['fail', 'succeed'] }) onTimeout?: string;
  @ApiPropertyOptional({ type: [String] }) approvers?: string[];
  @ApiPropertyOptional() description?: string;
  @ApiPropertyOptional() seconds?: number;
  @ApiPropertyOptional() until?: string;
  @ApiPropertyOptional({ description: 'task: the array it fans out over' }) forEach?: string;
  @ApiPropertyOptional({ enum: GITHUB_ACTIONS }) action?: string;
  @ApiPropertyOptional() body?: string;
  @ApiPropertyOptional() repo?: string;
  @ApiPropertyOptional({ oneOf: [{ type: 'integer' }, { type: 'string' }] }) issue?:
    number | string;
  @ApiPropertyOptional({ enum: COMMIT_STATES }) state?: string;
  @ApiPropertyOptional() context?: string;
  @ApiPropertyOptional() sha?: string;
  @ApiPropertyOptional() targetUrl?: string;
  @ApiProperty({ type: [String] }) dependsOn: string[];
  @ApiPropertyOptional({ nullable: true, type: Number }) timeoutSeconds: number | null;
  @ApiProperty() maxAttempts: number;
  @ApiProperty({ type: RetryBackoffDto }) retryBackoff: RetryBackoffDto;
  @ApiPropertyOptional({
    type: 'object',
    required: ['key'],
    properties: { key: { type: 'string' }, units: { type: 'string' } },
    description: 'task: the shared rate limit its claims take tokens from',
  })
  rateLimit?: { key: string; units?: string };
  @ApiPropertyOptional({ enum: ['outcome'], description: 'task: absent for fifo routing' })
  routing?: 'outcome';
}

export class DefinitionDto {
  @ApiProperty() key: string;
  @ApiProperty() version: number;
  @ApiPropertyOptional({ nullable: true, type: String }) name: string | null;
  @ApiProperty({ type: [StepViewDto] }) steps: StepViewDto[];
  @ApiProperty({ type: [TriggerDto] }) triggers: TriggerDto[];
  @ApiPropertyOptional({ nullable: true, type: ConcurrencyDto, description: 'null: no limit' })
  concurrency: ConcurrencySpec | null;
  @ApiPropertyOptional({
    type: StepViewDto,
    nullable: true,
    description: 'The github step run when a run finishes (key `onFinish`)',
  })
  onFinish: StepViewDto | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;

  static from(definition: WorkflowDefinition): DefinitionDto {
    return {
      key: definition.key,
      version: definition.version,
      name: definition.name,
      steps: definition.steps,
      triggers: definition.triggers,
      concurrency: definition.concurrency ?? null,
      onFinish: definition.onFinish ?? null,
      createdAt: new Date(definition.createdAt).toISOString(),
    };
  }
}

/** A definition key's dispatch state. */
export class DispatchStateDto {
  @ApiProperty() key: string;
  @ApiProperty({ description: 'true: queued tasks of its runs are not claimed' }) paused: boolean;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' }) pausedAt:
    string | null;
}
