import { AgentSkill } from '../agents/entities/agent-skill.entity';
import { Agent } from '../agents/entities/agent.entity';
import { AuditChainLink } from '../audit/entities/audit-chain-link.entity';
import { AuditCheckpoint } from '../audit/entities/audit-checkpoint.entity';
import { AuditEntry } from '../audit/entities/audit-entry.entity';
import { ApiKey } from '../auth/entities/api-key.entity';
import { Tenant } from '../auth/entities/tenant.entity';
import { IdempotencyKey } from '../common/idempotency/idempotency-key.entity';
import { DomainEventRow } from '../events/entities/domain-event.entity';
import { WorkflowDefinition } from '../workflows/entities/workflow-definition.entity';
import { WorkflowRun } from '../workflows/entities/workflow-run.entity';
import { WorkflowTask } from '../workflows/entities/workflow-task.entity';

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
  WorkflowDefinition,
  WorkflowRun,
  WorkflowTask,
  IdempotencyKey,
];
