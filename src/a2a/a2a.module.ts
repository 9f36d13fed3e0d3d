import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { StreamsModule } from '../streams/streams.module';
import { AuditModule } from '../audit/audit.module';
import { OutboundWebhooksModule } from '../webhooks/outbound/outbound-webhooks.module';
import { WorkflowsModule } from '../workflows/workflows.module';
import { A2aPushService } from './push/a2a-push.service';
import { A2aPushSweeper } from './push/a2a-push-sweeper';
import { A2aController } from './a2a.controller';
import { A2aService } from './a2a.service';
import { WellKnownController } from './well-known.controller';

@Module({
  imports: [WorkflowsModule, AuthModule, StreamsModule, AuditModule, OutboundWebhooksModule],
  controllers: [A2aController, WellKnownController],
  providers: [A2aService, A2aPushService, A2aPushSweeper],
})
export class A2aModule {}
