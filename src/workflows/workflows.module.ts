import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { ClaimWarmup } from './claim-warmup';
import { ConcurrencySweeper } from './concurrency-sweeper';
import { GithubModule } from '../github/github.module';
import { DefinitionsController } from './definitions.controller';
import { DefinitionsService } from './definitions.service';
import { WorkflowEngine } from './engine';
import { GithubStepRunner } from './github-step-runner';
import { LeaseReaper } from './lease-reaper';
import { ProgressService } from './progress.service';
import { ProgressWriter } from './progress-writer';
import { ReceiptIssuer } from './receipts/receipt-issuer';
import { ReceiptsController } from './receipts/receipts.controller';
import { ReceiptsService } from './receipts/receipts.service';
import { RateLimitsController } from './rate-limits.controller';
import { RateLimitsService } from './rate-limits.service';
import { RetryAnnouncer } from './retry-announcer';
import { OutcomeRouter } from './outcome-routing';
import { ClaimWaits } from './claim-waits';
import { RunTraces } from './run-traces';
import { RunSummaryService } from './run-summary.service';
import { RunsService } from './runs.service';
import { SkillsController } from './skills.controller';
import { SkillsService } from './skills.service';
import { TaskReader } from './task-reader';
import { TaskWaiters } from './task-waiters';
import { TasksController } from './tasks.controller';
import { TasksService } from './tasks.service';
import { WaitingMetrics } from './waiting-metrics';
import { WorkflowMetrics } from './workflow-metrics';
import { WorkflowReactions } from './workflow-reactions';
import { WaitsController } from './waits.controller';
import { WaitsService } from './waits.service';
import { WorkflowsController } from './workflows.controller';
import { BudgetSweeper } from './usage/budget-sweeper';
import { BudgetsService } from './usage/budgets.service';
import { UsageController } from './usage/usage.controller';
import { UsageLedger } from './usage/usage-ledger';
import { UsageReportService } from './usage/usage-report.service';

/** Definitions, runs, the engine, task dispatch to agents (claim, lease, long-poll), the reaper. */
@Module({
  imports: [AuditModule, AuthModule, AgentsModule, GithubModule],
  controllers: [
    DefinitionsController,
    WorkflowsController,
    WaitsController,
    TasksController,
    SkillsController,
    RateLimitsController,
    UsageController,
    ReceiptsController,
  ],
  providers: [
    DefinitionsService,
    RunsService,
    RunSummaryService,
    WorkflowEngine,
    RetryAnnouncer,
    OutcomeRouter,
    ClaimWaits,
    ClaimWarmup,
    TasksService,
    RunTraces,
    TaskReader,
    SkillsService,
    ProgressWriter,
    ProgressService,
    TaskWaiters,
    LeaseReaper,
    WorkflowReactions,
    WorkflowMetrics,
    WaitsService,
    WaitingMetrics,
    ConcurrencySweeper,
    RateLimitsService,
    GithubStepRunner,
    UsageLedger,
    BudgetsService,
    BudgetSweeper,
    UsageReportService,
    ReceiptsService,
    ReceiptIssuer,
  ],
  exports: [RunsService, DefinitionsService],
})
export class WorkflowsModule {}
