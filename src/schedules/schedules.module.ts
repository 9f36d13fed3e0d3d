import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { WorkflowsModule } from '../workflows/workflows.module';
import { ScheduleRunner } from './schedule-runner';
import { SchedulesController } from './schedules.controller';
import { SchedulesService } from './schedules.service';

/** Cron schedules, and the runner that fires their ticks and starts delayed runs. */
@Module({
  imports: [AuditModule, WorkflowsModule],
  controllers: [SchedulesController],
  providers: [SchedulesService, ScheduleRunner],
})
export class SchedulesModule {}
