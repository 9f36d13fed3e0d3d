import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AgentMetrics } from './agent-metrics';
import { AgentSummaryService } from './agent-summary.service';
import { AgentsController } from './agents.controller';
import { AgentsService } from './agents.service';
import { DiscoveryCache } from './discovery-cache';
import { ActivityBeats } from './activity-beats';
import { HeartbeatWriter } from './heartbeat-writer';
import { LeaderboardService } from './leaderboard.service';
import { LivenessSweeper } from './liveness.sweeper';
import { QuarantineService } from './quarantine.service';
import { QuarantineSweeper } from './quarantine.sweeper';
import { RoutingSettingsController } from './routing-settings.controller';
import { RoutingSettingsService } from './routing-settings.service';
import { AgentDepartures } from './agent-departures';

@Module({
  imports: [AuditModule],
  controllers: [AgentsController, RoutingSettingsController],
  providers: [
    AgentsService,
    AgentDepartures,
    DiscoveryCache,
    HeartbeatWriter,
    ActivityBeats,
    LivenessSweeper,
    LeaderboardService,
    AgentMetrics,
    AgentSummaryService,
    RoutingSettingsService,
    QuarantineService,
    QuarantineSweeper,
  ],
  exports: [AgentsService, QuarantineService, ActivityBeats, AgentDepartures],
})
export class AgentsModule {}
