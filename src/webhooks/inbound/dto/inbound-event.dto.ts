import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { PageQueryDto } from '../../../common/pagination';
import { INBOUND_STATUSES } from '../entities/inbound-webhook.entity';
import type { InboundStatus, InboundWebhook } from '../entities/inbound-webhook.entity';
import { SOURCE_KEY_PATTERN } from './source.dto';

/** A stored delivery without its body (lists never load bodies of up to megabytes each). */
export type InboundRow = Omit<InboundWebhook, 'body' | 'tenant'> & { bodyBytes: number };

export class InboundQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: '`github` or a source key', example: 'github' })
  @IsOptional()
  @IsString()
  @Matches(SOURCE_KEY_PATTERN, { message: 'source must be "github" or a source key' })
  source?: string;

  @ApiPropertyOptional({ description: 'X-GitHub-Delivery or webhook-id' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  deliveryId?: string;

  @ApiPropertyOptional({ enum: INBOUND_STATUSES })
  @IsOptional()
  @IsIn(INBOUND_STATUSES)
  status?: InboundStatus;
}

export class InboundEventDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'github', description: '`github` or a source key' })
  source: string;

  @ApiProperty({ example: '72d3162e-cc78-11e3-81ab-4c9367dc0958' })
  deliveryId: string;

  @ApiProperty({ example: 'issues', description: 'X-GitHub-Event, or the body\'s "type"' })
  event: string;

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'inbound.github.issues',
    description: 'The domain event emitted (accepted deliveries only)',
  })
  eventType: string | null;

  @ApiProperty({ enum: INBOUND_STATUSES })
  status: InboundStatus;

  @ApiProperty({ type: String, nullable: true, description: 'Why a signed delivery was refused' })
  reason: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'The headers that matter, as received',
  })
  headers: Record<string, string>;

  @ApiProperty({ type: String, nullable: true, example: '140.82.115.1' })
  sourceIp: string | null;

  @ApiProperty({ description: 'Size of the body in bytes' })
  bodyBytes: number;

  @ApiProperty({ format: 'date-time' })
  receivedAt: string;

  static from(row: InboundRow): InboundEventDto {
    return {
      id: row.id,
      source: row.source,
      deliveryId: row.deliveryId,
      event: row.event,
      eventType: row.status === 'accepted' ? inboundEventType(row.source, row.event) : null,
      status: row.status,
      reason: row.reason,
      headers: row.headers,
      sourceIp: row.sourceIp,
      bodyBytes: row.bodyBytes,
      receivedAt: row.receivedAt.toISOString(),
    };
  }
}

export class InboundEventDetailDto extends InboundEventDto {
  @ApiProperty({ description: 'The body exactly as received, base64' })
  bodyBase64: string;

  @ApiPropertyOptional({ description: 'The body as JSON (null when it was refused)' })
  payload: unknown;

  static detail(row: InboundWebhook, payload: unknown): InboundEventDetailDto {
    return {
      ...InboundEventDto.from({ ...row, bodyBytes: row.body.length }),
      bodyBase64: row.body.toString('base64'),
      payload,
    };
  }
}

export class HookReceiptDto {
  @ApiProperty({ format: 'uuid', description: 'The stored delivery (GET /webhooks/inbound)' })
  id: string;

  @ApiProperty({ description: 'true: this delivery id was received before; nothing new stored' })
  duplicate: boolean;
}

/** `inbound.github.issues`, `inbound.billing.invoice.paid`. */
export function inboundEventType(source: string, event: string): string {
  return `inbound.${source}.${event}`;
}
