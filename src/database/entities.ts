import { A2aPushConfig } from '../a2a/push/a2a-push-config.entity';
import { AgentSkill } from '../agents/entities/agent-skill.entity';
import { AgentTaskStats } from '../agents/entities/agent-task-stats.entity';
import { Agent } from '../agents/entities/agent.entity';
import { AgentQuarantine } from '../agents/entities/agent-quarantine.entity';
import { AgentQuarantineDeferral } from '../agents/entities/agent-quarantine-deferral.entity';
import { AgentSkillOutcomes } from '../agents/entities/agent-skill-outcomes.entity';
import { RoutingSettings } from '../agents/entities/routing-settings.entity';
import { ClaimWait } from '../workflows/entities/claim-wait.entity';
import { AuditChainLink } from '../audit/entities/audit-chain-link.entity';
import { AuditCheckpoint } from '../audit/entities/audit-checkpoint.entity';
import { AuditEntry } from '../audit/entities/audit-entry.entity';
import { AuditSigningKey } from '../audit/entities/audit-signing-key.entity';
import { ApiKey } from '../auth/entities/api-key.entity';
import { Tenant } from '../auth/entities/tenant.entity';
import { IdempotencyKey } from '../common/idempotency/idempotency-key.entity';
import { DomainEventRow } from '../events/entities/domain-event.entity';
import { EventOutboxRow } from '../events/entities/event-outbox.entity';
import { InboundWebhookSource } from '../webhooks/inbound/entities/inbound-webhook-source.entity';
import { InboundWebhook } from '../webhooks/inbound/entities/inbound-webhook.entity';
import { WorkflowDefinition } from '../workflows/entities/workflow-definition.entity';
import { WorkflowRun } from '../workflows/entities/workflow-run.entity';
import { WorkflowTask } from '../workflows/entities/workflow-task.entity';
import { WorkflowSignal } from '../workflows/entities/workflow-signal.entity';
import {
  WorkflowEventWait,
  WorkflowEventWaitShape,
} from '../workflows/entities/workflow-event-wait.entity';
import { Schedule } from '../schedules/entities/schedule.entity';
import { ScheduleTick } from '../schedules/entities/schedule-tick.entity';
import { DefinitionPause } from '../workflows/entities/definition-pause.entity';
import { RateLimit } from '../workflows/entities/rate-limit.entity';
import { RateLimitShard } from '../workflows/entities/rate-limit-shard.entity';
import { TaskProgress } from '../workflows/entities/task-progress.entity';
import { UsageRecord } from '../workflows/usage/usage-record.entity';
import { WebhookAttempt } from '../webhooks/outbound/entities/webhook-attempt.entity';
import { WebhookDelivery } from '../webhooks/outbound/entities/webhook-delivery.entity';
import { WebhookEndpoint } from '../webhooks/outbound/entities/webhook-endpoint.entity';
import { WebhookMessage } from '../webhooks/outbound/entities/webhook-message.entity';
import { WebhookReceiptHash } from '../webhooks/outbound/entities/webhook-receipt-hash.entity';
import {
  WorkflowReceipt,
  WorkflowReceiptQueueItem,
} from '../workflows/entities/workflow-receipt.entity';

/** Every entity of every module; each module still owns (and alone queries) its tables. */
export const ENTITIES = [
  Tenant,
  ApiKey,
  AuditEntry,
  AuditChainLink,
  AuditCheckpoint,
  AuditSigningKey,
  Agent,
  AgentSkill,
  AgentTaskStats,
  AgentSkillOutcomes,
  AgentQuarantine,
  AgentQuarantineDeferral,
  RoutingSettings,
  ClaimWait,
  DomainEventRow,
  EventOutboxRow,
  InboundWebhookSource,
  InboundWebhook,
  WorkflowDefinition,
  WorkflowRun,
  WorkflowTask,
  WorkflowSignal,
  WorkflowEventWait,
  WorkflowEventWaitShape,
  DefinitionPause,
  RateLimit,
  RateLimitShard,
  Schedule,
  ScheduleTick,
  TaskProgress,
  UsageRecord,
  IdempotencyKey,
  WebhookEndpoint,
  WebhookMessage,
  WebhookReceiptHash,
  A2aPushConfig,
  WorkflowReceipt,
  WorkflowReceiptQueueItem,
  WebhookDelivery,
  WebhookAttempt,
];
