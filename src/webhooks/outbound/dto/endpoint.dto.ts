import { ApiProperty, ApiPropertyOptional, ApiPropertyOptions } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsISO8601,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateIf,
} from 'class-validator';
import { MatchesKnownEventTypes } from '../../../events/known-event-types';
import { DISABLED_REASONS } from '../entities/webhook-endpoint.entity';
import type { DisabledReason, WebhookEndpoint } from '../entities/webhook-endpoint.entity';
import { MayOmit } from '../../../common/validation/may-omit';
import { IsInstant } from '../../../common/validation/instant';
import { olderSecretsExpireAt } from '../../secret-overlap';
import { NonEmptyList } from '../../../common/validation/non-empty';

/** `*`, an exact type (`agent.offline`) or a prefix wildcard (`workflow.*`). */
export const EVENT_TYPE_PATTERN = /^(\*|[a-z0-9_]+(\.[a-z0-9_]+)*(\.\*)?)$/;

const EVENT_TYPES_DOC: ApiPropertyOptions = {
  type: [String],
  example: ['workflow.*', 'agent.offline'],
  description:
    'Event types to receive: exact, `prefix.*`, or `*` for all (1-100 patterns); each must ' +
    'match at least one type of GET /event-types',
};

export class CreateEndpointDto {
  @ApiProperty({ example: 'https://example.com/hooks/agentmesh', maxLength: 2048 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2048)
  url: string;

  @ApiProperty(EVENT_TYPES_DOC)
  @MatchesKnownEventTypes(EVENT_TYPE_PATTERN)
  @IsArray()
  @NonEmptyList()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(128, { each: true })
  @Matches(EVENT_TYPE_PATTERN, {
    each: true,
    message: 'each event type must be `*`, `a.b` or `a.*` (lower case)',
  })
  eventTypes: string[];

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @ApiPropertyOptional({
    description: '`whsec_` + base64 of 24-64 bytes; generated when absent',
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  secret?: string;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class UpdateEndpointDto {
  @ApiPropertyOptional({ maxLength: 2048 })
  @MayOmit()
  @IsString()
  @IsNotEmpty()
  @MaxLength(2048)
  url?: string;

  @ApiPropertyOptional(EVENT_TYPES_DOC)
  @MayOmit()
  @MatchesKnownEventTypes(EVENT_TYPE_PATTERN)
  @IsArray()
  @NonEmptyList()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(128, { each: true })
  @Matches(EVENT_TYPE_PATTERN, {
    each: true,
    message: 'each event type must be `*`, `a.b` or `a.*` (lower case)',
  })
  eventTypes?: string[];

  @ApiPropertyOptional({ maxLength: 500, nullable: true, type: String })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @MaxLength(500)
  description?: string | null;

  @ApiPropertyOptional({ description: 'Enabling clears the failure count and the breaker' })
  @MayOmit()
  @IsBoolean()
  enabled?: boolean;
}

export class RotateSecretDto {
  @ApiPropertyOptional({ description: 'The new secret; generated when absent' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  secret?: string;
}

export class RecoverDto {
  @ApiProperty({
    format: 'date-time',
    description:
      'Requeue failed and dead deliveries created at or after this time (not in the future)',
  })
  @IsInstant()
  @IsISO8601({ strict: true, strictSeparator: true })
  since: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'And created before this time (after `since`); absent: up to now',
  })
  @IsOptional()
  @IsInstant()
  @IsISO8601({ strict: true, strictSeparator: true })
  until?: string;
}

export class RecoverResultDto {
  @ApiProperty({ description: 'Deliveries queued again' }) requeued: number;
}

export const BREAKER_STATES = ['closed', 'open', 'half_open'] as const;

export class BreakerDto {
  @ApiProperty({ enum: BREAKER_STATES }) state: (typeof BREAKER_STATES)[number];
  @ApiProperty() consecutiveFailures: number;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' })
  failingSince: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' })
  openUntil: string | null;
}

export class EndpointDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() url: string;
  @ApiPropertyOptional({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ type: [String] }) eventTypes: string[];
  @ApiProperty() enabled: boolean;
  @ApiPropertyOptional({ enum: DISABLED_REASONS, nullable: true })
  disabledReason: DisabledReason | null;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'Until then the secret before the last rotation still signs',
  })
  previousSecretExpiresAt: string | null;
  @ApiProperty({
    type: [String],
    format: 'date-time',
    description:
      'When each secret retired before that one stops signing (a rotation within the overlap keeps them, ten secrets sign at most)',
  })
  olderSecretsExpireAt: string[];
  @ApiProperty({ type: BreakerDto }) breaker: BreakerDto;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;

  static from(endpoint: WebhookEndpoint, threshold: number, now = new Date()): EndpointDto {
    const open = endpoint.breakerOpenUntil !== null && endpoint.breakerOpenUntil > now;
    const tripped = endpoint.consecutiveFailures >= threshold;
    const previousValid =
      endpoint.previousSecretExpiresAt !== null && endpoint.previousSecretExpiresAt > now;
    return {
      id: endpoint.id,
      url: endpoint.url,
      description: endpoint.description,
      eventTypes: endpoint.eventTypes,
      enabled: endpoint.enabled,
      disabledReason: endpoint.disabledReason,
      previousSecretExpiresAt: previousValid
        ? endpoint.previousSecretExpiresAt!.toISOString()
        : null,
      olderSecretsExpireAt: olderSecretsExpireAt(endpoint, now.getTime()),
      breaker: {
        state: open ? 'open' : tripped ? 'half_open' : 'closed',
        consecutiveFailures: endpoint.consecutiveFailures,
        failingSince: endpoint.failingSince?.toISOString() ?? null,
        openUntil: open ? endpoint.breakerOpenUntil!.toISOString() : null,
      },
      createdAt: endpoint.createdAt.toISOString(),
      updatedAt: endpoint.updatedAt.toISOString(),
    };
  }
}

export class EndpointWithSecretDto extends EndpointDto {
  @ApiProperty({ description: 'Shown on create and rotate only', example: 'whsec_…' })
  secret: string;
}
