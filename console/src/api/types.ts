import type { components } from '../../../packages/sdk/src/generated/openapi';

/** The API's resources, as the service's OpenAPI document describes them. */
type Schemas = components['schemas'];
export type Problem = Schemas['ProblemDto'];
export type Agent = Schemas['AgentDto'];
export type AgentQuarantine = Schemas['AgentQuarantineDto'];
export type AgentSummary = Schemas['AgentSummaryDto'];
export type LeaderboardEntry = Schemas['LeaderboardEntryDto'];
export type SkillSummary = Schemas['SkillSummaryDto'];
export type Run = Schemas['RunDto'];
export type RunDetail = Schemas['RunDetailDto'];
export type RunStep = Schemas['RunStepDto'];
export type TaskDetail = Schemas['TaskDetailDto'];
export type AgentTask = Schemas['AgentTaskDto'];
export type WorkflowEvent = Schemas['WorkflowEventDto'];
export type Definition = Schemas['DefinitionDto'];
export type Endpoint = Schemas['EndpointDto'];
export type Delivery = Schemas['DeliveryDto'];
export type DeliveryDetail = Schemas['DeliveryDetailDto'];
export type InboundEvent = Schemas['InboundEventDto'];
export type AuditEntry = Schemas['AuditEntryDto'];
export type VerifyResult = Schemas['VerifyResultDto'];
export type Checkpoint = Schemas['CheckpointDto'];
export type ApiKey = Schemas['ApiKeyDto'];
export type IssuedApiKey = Schemas['IssuedApiKeyDto'];
export type Tenant = Schemas['TenantDto'];

/** `{"data": T}` */
export interface Envelope<T> {
  data: T;
}

/** `{"data": {<collection>: T[]}, "meta": {"nextCursor"}}` */
export interface Page<K extends string, T> {
  data: Record<K, T[]>;
  meta: { nextCursor: string | null };
}

/** GET /whoami (WhoAmIDto on the server): the presented key's tenant and scopes. */
export interface WhoAmI {
  tenantId: string;
  keyTenantId: string;
  scopes: string[];
  keyId: string;
  agentId: string | null;
  platformAdmin: boolean;
}

/**
 * GET /workflows/summary (RunSummaryDto on the server), typed here by hand: the SDK's generated
 * types do not have it yet. Counts of the tenant's runs in the window from `since` to `asOf`.
 */
export interface RunSummary {
  since: string;
  asOf: string;
  created: number;
  createdByStatus: Record<string, number>;
  finished: number;
  finishedByStatus: Record<'succeeded' | 'failed' | 'cancelled', number>;
}

/** GET /webhooks/deliveries/summary (DeliverySummaryDto on the server), typed by hand likewise. */
export interface DeliverySummary {
  since: string;
  asOf: string;
  total: number;
  byStatus: Record<'pending' | 'succeeded' | 'failed' | 'dead', number>;
}
