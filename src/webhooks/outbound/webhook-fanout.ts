import { Injectable, OnModuleInit } from '@nestjs/common';
import type { AppConfig } from '../../config/config';
import { InjectConfig } from '../../config/config.module';
import { EventDispatcher } from '../../events/event-dispatcher';
import { DeliveryStore } from './delivery-store';

/**
 * Turns every committed domain event into deliveries for the matching endpoints, inside the
 * dispatcher's transaction: the event is marked dispatched exactly when its deliveries exist.
 * A run's end (`workflow.succeeded|failed|cancelled`) waits up to WEBHOOK_RECEIPT_WAIT for the
 * run's receipt: `workflow.receipt.issued` stamps its hash into the message and sends it.
 */
@Injectable()
export class WebhookFanOut implements OnModuleInit {
  constructor(
    private readonly dispatcher: EventDispatcher,
    private readonly store: DeliveryStore,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.dispatcher.subscribe({
      name: 'webhooks',
      types: ['*'],
      handle: async (tx, events) => {
        await this.store.fanOut(
          tx,
          events,
          this.config.webhookRetryScheduleMs,
          this.config.webhookReceiptWaitMs,
        );
      },
    });
    this.dispatcher.subscribe({
      name: 'webhooks.receipt-hashes',
      types: ['workflow.receipt.issued'],
      handle: async (tx, events) => {
        await this.store.stampReceipts(
          tx,
          events.flatMap((event) => {
            const { finishedEventId, receiptHash } = event.data;
            return typeof finishedEventId === 'string' &&
              typeof receiptHash === 'string' &&
              event.tenantId
              ? [{ eventId: finishedEventId, tenantId: event.tenantId, receiptHash }]
              : [];
          }),
        );
      },
    });
  }
}
