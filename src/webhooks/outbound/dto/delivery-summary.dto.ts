import { ApiProperty } from '@nestjs/swagger';
import { DELIVERY_STATUSES, DeliveryStatus } from '../entities/webhook-delivery.entity';

/** `GET /webhooks/deliveries/summary`: exact counts of the tenant's deliveries in a window. */
export class DeliverySummaryDto {
  @ApiProperty({ format: 'date-time', description: 'Start of the window (in UTC)' })
  since: string;

  @ApiProperty({ format: 'date-time', description: 'End of the window: when it was counted' })
  asOf: string;

  @ApiProperty({ description: 'Deliveries created in the window' })
  total: number;

  @ApiProperty({
    type: 'object',
    description:
      'Deliveries created in the window, by their status now: succeeded (delivered), failed ' +
      '(an attempt failed, more are scheduled), dead (out of attempts), pending (not yet sent)',
    properties: Object.fromEntries(
      DELIVERY_STATUSES.map((status) => [status, { type: 'integer' }]),
    ),
    required: [...DELIVERY_STATUSES],
  })
  byStatus: Record<DeliveryStatus, number>;
}
