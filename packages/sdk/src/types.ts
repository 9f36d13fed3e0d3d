import type { components, operations } from './generated/openapi';

/** Every schema of the service's OpenAPI document, by name. */
export type Schemas = components['schemas'];
/** The query parameters of an operation (by its operationId). */
export type QueryOf<K extends keyof operations> = NonNullable<operations[K]['parameters']['query']>;

/** Any JSON value: what a task returns and a run takes. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** One page of a list: its items and the cursor of the next page (null on the last). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type Problem = Schemas['ProblemDto'];
export type Agent = Schemas['AgentDto'];
export type RegisterAgent = Schemas['RegisterAgentDto'];
export type AgentRegistration = Schemas['AgentRegistrationDto'];
export type ImportAgent = Schemas['ImportAgentDto'];
export type Heartbeat = Schemas['HeartbeatDto'];
export type HeartbeatResult = Schemas['HeartbeatResultDto'];
export type LeaderboardEntry = Schemas['LeaderboardEntryDto'];
export type Definition = Schemas['DefinitionDto'];
export type CreateDefinition = Schemas['CreateDefinitionDto'];
export type Step = Schemas['StepDto'];
export type Run = Schemas['RunDto'];
export type RunDetail = Schemas['RunDetailDto'];
export type RunError = Schemas['RunErrorDto'];
export type CreateRun = Schemas['CreateRunDto'];
export type WorkflowEvent = Schemas['WorkflowEventDto'];
export type ClaimedTask = Schemas['ClaimedTaskDto'];
export type Claim = Schemas['ClaimDto'];
export type LeaseState = Schemas['LeaseStateDto'];
export type AttemptResult = Schemas['AttemptResultDto'];
export type CompleteAndClaimResult = Schemas['CompleteAndClaimResultDto'];
export type TaskError = Schemas['TaskErrorDto'];
export type Fail = Schemas['FailDto'];
export type Endpoint = Schemas['EndpointDto'];
export type EndpointWithSecret = Schemas['EndpointWithSecretDto'];
export type CreateEndpoint = Schemas['CreateEndpointDto'];
export type UpdateEndpoint = Schemas['UpdateEndpointDto'];
export type Delivery = Schemas['DeliveryDto'];
export type DeliveryDetail = Schemas['DeliveryDetailDto'];
export type Source = Schemas['SourceDto'];
export type SourceWithSecret = Schemas['SourceWithSecretDto'];
export type CreateSource = Schemas['CreateSourceDto'];
export type InboundEvent = Schemas['InboundEventDto'];
export type InboundEventDetail = Schemas['InboundEventDetailDto'];
export type AuditEntry = Schemas['AuditEntryDto'];
export type VerifyResult = Schemas['VerifyResultDto'];
export type Checkpoint = Schemas['CheckpointDto'];
export type ApiKey = Schemas['ApiKeyDto'];
export type IssuedApiKey = Schemas['IssuedApiKeyDto'];
export type CreateApiKey = Schemas['CreateApiKeyDto'];
export type Tenant = Schemas['TenantDto'];
export type CreateTenant = Schemas['CreateTenantDto'];
export type DispatchState = Schemas['DispatchStateDto'];
export type CancelRuns = Schemas['CancelRunsDto'];
export type CancelledRuns = Schemas['CancelledRunsDto'];
export type RunSummary = Schemas['RunSummaryDto'];
export type FanOutElement = Schemas['FanOutTaskViewDto'];
export type Budget = Schemas['BudgetDto'];
export type SignalBody = Schemas['SignalDto'];
export type SignalResult = Schemas['SignalResultDto'];
export type Approve = Schemas['ApproveDto'];
export type Reject = Schemas['RejectDto'];
export type SignedReceipt = Schemas['SignedReceiptDto'];
export type RunReceipt = Schemas['RunReceiptDto'];
export type ReleaseAgent = Schemas['ReleaseAgentDto'];
export type Released = Schemas['ReleasedDto'];
export type AgentSummary = Schemas['AgentSummaryDto'];
export type AgentTask = Schemas['AgentTaskDto'];
export type SkillSummary = Schemas['SkillSummaryDto'];
export type RoutingSettings = Schemas['RoutingSettingsDto'];
export type UpdateRoutingSettings = Schemas['UpdateRoutingSettingsDto'];
export type Schedule = Schemas['ScheduleDto'];
export type ScheduleDetail = Schemas['ScheduleDetailDto'];
export type CreateSchedule = Schemas['CreateScheduleDto'];
export type UpdateSchedule = Schemas['UpdateScheduleDto'];
export type RateLimit = Schemas['RateLimitDto'];
export type CreateRateLimit = Schemas['CreateRateLimitDto'];
export type UpdateRateLimit = Schemas['UpdateRateLimitDto'];
export type UsageGroup = Schemas['UsageGroupDto'];
export type DeliverySummary = Schemas['DeliverySummaryDto'];
export type Recover = Schemas['RecoverDto'];
export type RecoverResult = Schemas['RecoverResultDto'];
export type TaskDetail = Schemas['TaskDetailDto'];
export type EventType = Schemas['EventTypeDto'];
export type WhoAmI = Schemas['WhoAmIDto'];

/** What `POST /tasks/{id}/progress` takes besides the lease token (`ctx.progress`). */
export interface ProgressReport {
  message?: string;
  /** 0 to 100. */
  percent?: number;
  /** Any JSON object, at most 16 KiB serialised. */
  data?: Record<string, Json>;
  /** What was used since the last report (added to the run's usage, and to its budget). */
  usage?: Usage;
}

/** What an attempt used, reported with a completion or a progress report. */
export interface Usage {
  /** Integers, 0 or more. */
  inputTokens: number;
  outputTokens: number;
  /** US dollars, 0 or more. */
  costUsd?: number;
  /** At most 128 characters. */
  model?: string;
}
