import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AgentMetrics } from './agent-metrics';
import { AgentsController } from './agents.controller';
import { AgentsService } from './agents.service';
import { DiscoveryCache } from './discovery-cache';
import { HeartbeatWriter } from './heartbeat-writer';
import { LeaderboardService } from './leaderboard.service';
import { LivenessSweeper } from './liveness.sweeper';

@Module({
  imports: [AuditModule],
  controllers: [AgentsController],
  providers: [
    AgentsService,
    DiscoveryCache,
    HeartbeatWriter,
    LivenessSweeper,
    LeaderboardService,
    AgentMetrics,
  ],
  exports: [AgentsService],
})
export class AgentsModule {}
