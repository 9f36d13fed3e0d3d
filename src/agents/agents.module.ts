import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AgentsController } from './agents.controller';
import { AgentsService } from './agents.service';
import { LivenessSweeper } from './liveness.sweeper';

@Module({
  imports: [AuditModule],
  controllers: [AgentsController],
  providers: [AgentsService, LivenessSweeper],
  exports: [AgentsService],
})
export class AgentsModule {}
