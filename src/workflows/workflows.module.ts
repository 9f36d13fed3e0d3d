import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { AuditModule } from '../audit/audit.module';
import { DefinitionsController } from './definitions.controller';
import { DefinitionsService } from './definitions.service';
import { WorkflowEngine } from './engine';
import { LeaseReaper } from './lease-reaper';
import { ProgressService } from './progress.service';
import { ProgressWriter } from './progress-writer';
import { RetryAnnouncer } from './retry-announcer';
import { RunsService } from './runs.service';
import { TaskWaiters } from './task-waiters';
import { TasksController } from './tasks.controller';
import { TasksService } from './tasks.service';
import { WorkflowMetrics } from './workflow-metrics';
import { WorkflowReactions } from './workflow-reactions';
import { WorkflowsController } from './workflows.controller';

/** Definitions, runs, the engine, task dispatch to agents (claim, lease, long-poll), the reaper. */
@Module({
  imports: [AuditModule, AgentsModule],
  controllers: [DefinitionsController, WorkflowsController, TasksController],
  providers: [
    DefinitionsService,
    RunsService,
    WorkflowEngine,
    RetryAnnouncer,
    TasksService,
    ProgressWriter,
    ProgressService,
    TaskWaiters,
    LeaseReaper,
    WorkflowReactions,
    WorkflowMetrics,
  ],
  exports: [RunsService],
})
export class WorkflowsModule {}
