import { Module } from '@nestjs/common';
import { AuditModule } from '../../audit/audit.module';
import { HooksController } from './hooks.controller';
import { InboundAdminController } from './inbound-admin.controller';
import { InboundDeliveriesService } from './inbound-deliveries.service';
import { InboundSourcesService } from './inbound-sources.service';
import { InboundWebhooksRepository } from './inbound-webhooks.repository';

/**
 * Inbound webhooks: GitHub and Standard Webhooks receivers, their senders, and the stream of
 * deliveries received. Other modules react to the `inbound.*` domain events, not to this module.
 */
@Module({
  imports: [AuditModule],
  controllers: [HooksController, InboundAdminController],
  providers: [InboundSourcesService, InboundDeliveriesService, InboundWebhooksRepository],
})
export class InboundWebhooksModule {}
