import { CreateTenants1763800000000 } from './1763800000000-CreateTenants';
import { CreateApiKeys1763800001000 } from './1763800001000-CreateApiKeys';
import { CreateAudit1763800002000 } from './1763800002000-CreateAudit';
import { CreateAuditCheckpoints1763800003000 } from './1763800003000-CreateAuditCheckpoints';
import { CreateAgents1763800004000 } from './1763800004000-CreateAgents';
import { CreateEvents1763800005000 } from './1763800005000-CreateEvents';
import { CreateAgentTaskStats1763800005500 } from './1763800005500-CreateAgentTaskStats';
import { CreateAuditSigningKeys1763800005600 } from './1763800005600-CreateAuditSigningKeys';
import { IndexAgentText1763800005700 } from './1763800005700-IndexAgentText';
import { CreateWorkflows1763800006000 } from './1763800006000-CreateWorkflows';
import { CreateIdempotencyKeys1763800006100 } from './1763800006100-CreateIdempotencyKeys';
import { CreateWebhookEndpoints1763800007000 } from './1763800007000-CreateWebhookEndpoints';
import { CreateInboundWebhooks1763800008000 } from './1763800008000-CreateInboundWebhooks';
import { IdempotencyKeysCommitted1763800009100 } from './1763800009100-IdempotencyKeysCommitted';
import { CreateWaits1763800010000 } from './1763800010000-CreateWaits';
import { StreamsAndProgress1763800011000 } from './1763800011000-StreamsAndProgress';
import { CreateSchedules1763800012000 } from './1763800012000-CreateSchedules';
import { TraceContext1763800013000 } from './1763800013000-TraceContext';
import { ConcurrencyKeys1763800014000 } from './1763800014000-ConcurrencyKeys';
import { CreateRateLimits1763800015000 } from './1763800015000-CreateRateLimits';
import { FanOut1763800016000 } from './1763800016000-FanOut';
import { GithubSteps1763800018000 } from './1763800018000-GithubSteps';
import { AuditResourceIndex1763800020000 } from './1763800020000-AuditResourceIndex';
import { AgentRecentTasks1763800021000 } from './1763800021000-AgentRecentTasks';
import { CreateWorkflowReceipts1763800030000 } from './1763800030000-CreateWorkflowReceipts';
import { CreateWebhookReceiptHashes1763800031000 } from './1763800031000-CreateWebhookReceiptHashes';
import { UsageAndBudgets1763800040000 } from './1763800040000-UsageAndBudgets';
import { OutcomeRouting1763800050000 } from './1763800050000-OutcomeRouting';
import { SummaryIndexes1763800060000 } from './1763800060000-SummaryIndexes';
import { PartitionHistory1763800070000 } from './1763800070000-PartitionHistory';
import { TaskRunIndex1763800080000 } from './1763800080000-TaskRunIndex';
import { QuarantineDeferrals1763800110000 } from './1763800110000-QuarantineDeferrals';
import { A2aPushConfigs1763800120000 } from './1763800120000-A2aPushConfigs';
import { MetricIndexes1763800150000 } from './1763800150000-MetricIndexes';
import { FairQueue1763800160000 } from './1763800160000-FairQueue';
import { RateLimitShards1763800170000 } from './1763800170000-RateLimitShards';
import { FairRankGiven1763800220000 } from './1763800220000-FairRankGiven';
import { TenantKeyChecksOffHotInserts1763800230000 } from './1763800230000-TenantKeyChecksOffHotInserts';
import { PromotionsDueFunction1763800240000 } from './1763800240000-PromotionsDueFunction';
import { RunLockFunction1763800250000 } from './1763800250000-RunLockFunction';
import { FinishRunsFunction1763800260000 } from './1763800260000-FinishRunsFunction';
import { ClaimWaitsUnlogged1763800270000 } from './1763800270000-ClaimWaitsUnlogged';
import { EventOutbox1763800280000 } from './1763800280000-EventOutbox';
import { ClaimedAfter1763800290000 } from './1763800290000-ClaimedAfter';
import { OlderSecrets1763800300000 } from './1763800300000-OlderSecrets';
import { IdempotentHeaders1763800310000 } from './1763800310000-IdempotentHeaders';
import { RetiredTasks1763800320000 } from './1763800320000-RetiredTasks';
import { SucceedTasksFunction1763800330000 } from './1763800330000-SucceedTasksFunction';
import { RunLockByKey1763800340000 } from './1763800340000-RunLockByKey';
import { CompiledRowChecks1763800350000 } from './1763800350000-CompiledRowChecks';
import { OwedProgressFunction1763800360000 } from './1763800360000-OwedProgressFunction';
import { SucceedTasksNeededOutputs1763800370000 } from './1763800370000-SucceedTasksNeededOutputs';
import { RunOutputGathered1763800380000 } from './1763800380000-RunOutputGathered';

/** Every migration, oldest first. Listed explicitly so the app, the CLI and jest load the same set. */
export const MIGRATIONS = [
  CreateTenants1763800000000,
  CreateApiKeys1763800001000,
  CreateAudit1763800002000,
  CreateAuditCheckpoints1763800003000,
  CreateAgents1763800004000,
  CreateEvents1763800005000,
  CreateAgentTaskStats1763800005500,
  CreateAuditSigningKeys1763800005600,
  IndexAgentText1763800005700,
  CreateWorkflows1763800006000,
  CreateIdempotencyKeys1763800006100,
  CreateWebhookEndpoints1763800007000,
  CreateInboundWebhooks1763800008000,
  IdempotencyKeysCommitted1763800009100,
  CreateWaits1763800010000,
  StreamsAndProgress1763800011000,
  CreateSchedules1763800012000,
  TraceContext1763800013000,
  ConcurrencyKeys1763800014000,
  CreateRateLimits1763800015000,
  FanOut1763800016000,
  GithubSteps1763800018000,
  AuditResourceIndex1763800020000,
  AgentRecentTasks1763800021000,
  CreateWorkflowReceipts1763800030000,
  CreateWebhookReceiptHashes1763800031000,
  UsageAndBudgets1763800040000,
  OutcomeRouting1763800050000,
  SummaryIndexes1763800060000,
  PartitionHistory1763800070000,
  TaskRunIndex1763800080000,
  QuarantineDeferrals1763800110000,
  A2aPushConfigs1763800120000,
  MetricIndexes1763800150000,
  FairQueue1763800160000,
  RateLimitShards1763800170000,
  FairRankGiven1763800220000,
  TenantKeyChecksOffHotInserts1763800230000,
  PromotionsDueFunction1763800240000,
  RunLockFunction1763800250000,
  FinishRunsFunction1763800260000,
  ClaimWaitsUnlogged1763800270000,
  EventOutbox1763800280000,
  ClaimedAfter1763800290000,
  OlderSecrets1763800300000,
  IdempotentHeaders1763800310000,
  RetiredTasks1763800320000,
  SucceedTasksFunction1763800330000,
  RunLockByKey1763800340000,
  CompiledRowChecks1763800350000,
  OwedProgressFunction1763800360000,
  SucceedTasksNeededOutputs1763800370000,
  RunOutputGathered1763800380000,
];
