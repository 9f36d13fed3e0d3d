import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { StreamsModule } from '../streams/streams.module';
import { WorkflowsModule } from '../workflows/workflows.module';
import { A2aController } from './a2a.controller';
import { A2aService } from './a2a.service';
import { WellKnownController } from './well-known.controller';

@Module({
  imports: [WorkflowsModule, AuthModule, StreamsModule],
  controllers: [A2aController, WellKnownController],
  providers: [A2aService],
})
export class A2aModule {}
