import { Module } from '@nestjs/common';
import { AuditModule } from '../../audit/audit.module';
import { DeliveryStore } from './delivery-store';
import { DeliverySummaryService } from './delivery-summary.service';
import { DeliveryWorker } from './delivery-worker';
import { WebhookDeliveriesController } from './webhook-deliveries.controller';
import { WebhookDeliveriesService } from './webhook-deliveries.service';
import { WebhookEndpointsController } from './webhook-endpoints.controller';
import { WebhookEndpointsService } from './webhook-endpoints.service';
import { WebhookFanOut } from './webhook-fanout';
import { WebhookMetrics } from './webhook-metrics';
import { WebhookRetention } from './webhook-retention';

/**
 * Outbound webhooks (Standard Webhooks): endpoints, fan-out of every domain event from the
 * outbox, signed delivery with retries, breaker and SSRF guard, and retention.
 */
@Module({
  imports: [AuditModule],
  controllers: [WebhookEndpointsController, WebhookDeliveriesController],
  providers: [
    DeliveryStore,
    DeliverySummaryService,
    DeliveryWorker,
    WebhookEndpointsService,
    WebhookDeliveriesService,
    WebhookFanOut,
    WebhookMetrics,
    WebhookRetention,
  ],
  // The A2A module's push notifications ride this pipeline.
  exports: [DeliveryStore, WebhookEndpointsService],
})
export class OutboundWebhooksModule {}
