import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../../common/pagination';
import { DELIVERY_STATUSES } from '../entities/webhook-delivery.entity';
import type { DeliveryStatus } from '../entities/webhook-delivery.entity';

export class DeliveryQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  endpointId?: string;

  @ApiPropertyOptional({ enum: DELIVERY_STATUSES })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  status?: DeliveryStatus;

  @ApiPropertyOptional({ description: 'Exact event type', example: 'agent.offline' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  @Matches(/^[a-z0-9_]+(\.[a-z0-9_]+)*$/, { message: 'eventType must be like agent.offline' })
  eventType?: string;
}

/** A delivery row as the API shows it. */
export interface DeliveryView {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  attemptCount: number;
  nextAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
  succeededAt: Date | null;
}

export class DeliveryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) endpointId: string;
  @ApiProperty({ format: 'uuid', description: 'Also the `webhook-id` header' }) eventId: string;
  @ApiProperty() eventType: string;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status: DeliveryStatus;
  @ApiProperty() attemptCount: number;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' })
  nextAttemptAt: string | null;
  @ApiPropertyOptional({ nullable: true, type: Number }) lastStatusCode: number | null;
  @ApiPropertyOptional({ nullable: true, type: String }) lastError: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' })
  succeededAt: string | null;

  static from(row: DeliveryView): DeliveryDto {
    return {
      id: row.id,
      endpointId: row.endpointId,
      eventId: row.eventId,
      eventType: row.eventType,
      status: row.status,
      attemptCount: row.attemptCount,
      nextAttemptAt: row.nextAttemptAt?.toISOString() ?? null,
      lastStatusCode: row.lastStatusCode,
      lastError: row.lastError,
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
      succeededAt: row.succeededAt?.toISOString() ?? null,
    };
  }
}

export class AttemptDto {
  @ApiProperty({ format: 'date-time' }) attemptedAt: string;
  @ApiPropertyOptional({ nullable: true, type: Number }) statusCode: number | null;
  @ApiProperty() durationMs: number;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description: 'First 16 KiB of the response body',
  })
  responseBody: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) error: string | null;
}

export class DeliveryDetailDto extends DeliveryDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The body sent: {type, timestamp, data}',
  })
  payload: Record<string, unknown>;
  @ApiProperty({ type: [AttemptDto], description: 'Every attempt, oldest first' })
  attempts: AttemptDto[];
}
