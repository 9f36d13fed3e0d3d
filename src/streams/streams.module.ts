import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { WorkflowsModule } from '../workflows/workflows.module';
import { EventFeed } from './event-feed';
import { StreamsController } from './streams.controller';
import { StreamsService } from './streams.service';

/** Live streams (Server-Sent Events) of runs and of a tenant's events, fed by one shared read. */
@Module({
  imports: [AuthModule, WorkflowsModule],
  controllers: [StreamsController],
  providers: [EventFeed, StreamsService],
  exports: [EventFeed, StreamsService],
})
export class StreamsModule {}
