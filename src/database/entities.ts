import { AgentSkill } from '../agents/entities/agent-skill.entity';
import { Agent } from '../agents/entities/agent.entity';
import { AuditChainLink } from '../audit/entities/audit-chain-link.entity';
import { AuditCheckpoint } from '../audit/entities/audit-checkpoint.entity';
import { AuditEntry } from '../audit/entities/audit-entry.entity';
import { ApiKey } from '../auth/entities/api-key.entity';
import { Tenant } from '../auth/entities/tenant.entity';
import { DomainEventRow } from '../events/entities/domain-event.entity';
import { WebhookAttempt } from '../webhooks/outbound/entities/webhook-attempt.entity';
import { WebhookDelivery } from '../webhooks/outbound/entities/webhook-delivery.entity';
import { WebhookEndpoint } from '../webhooks/outbound/entities/webhook-endpoint.entity';
import { WebhookMessage } from '../webhooks/outbound/entities/webhook-message.entity';

/** Every entity of every module; each module still owns (and alone queries) its tables. */
export const ENTITIES = [
  Tenant,
  ApiKey,
  AuditEntry,
  AuditChainLink,
  AuditCheckpoint,
  Agent,
  AgentSkill,
  DomainEventRow,
  WebhookEndpoint,
  WebhookMessage,
  WebhookDelivery,
  WebhookAttempt,
];
