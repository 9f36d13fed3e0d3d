import { Module } from '@nestjs/common';
import { AgentsController } from './agents.controller';
import { AgentsService } from './agents.service';
import { LivenessSweeper } from './liveness.sweeper';

@Module({
  controllers: [AgentsController],
  providers: [AgentsService, LivenessSweeper],
  exports: [AgentsService],
})
export class AgentsModule {}
