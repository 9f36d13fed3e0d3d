import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AgentsController } from './agents.controller';
import { AgentsService } from './agents.service';
import { DiscoveryCache } from './discovery-cache';
import { LeaderboardService } from './leaderboard.service';
import { LivenessSweeper } from './liveness.sweeper';

@Module({
  imports: [AuditModule],
  controllers: [AgentsController],
  providers: [AgentsService, DiscoveryCache, LivenessSweeper, LeaderboardService],
  exports: [AgentsService],
})
export class AgentsModule {}
