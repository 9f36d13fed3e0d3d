import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { InboundWebhookSource } from '../entities/inbound-webhook-source.entity';
import { olderSecretsExpireAt } from '../../secret-overlap';
import { SOURCE_KEY_PATTERN } from '../../../common/inbound-names';

export { SOURCE_KEY_PATTERN };
/**
 * `/hooks/github` is GitHub's receiver: no source may take its name. Nor `schedule`: a run's
 * trigger key is `<source>:<delivery id>`, a schedule tick's `schedule:<id>:<tick>`, and one
 * must never name the other's run.
 */
export const RESERVED_SOURCE_KEYS = ['github', 'schedule'];
export const DEFAULT_TOLERANCE_SECONDS = 300;
export const DEFAULT_OVERLAP_SECONDS = 86_400;
const SECRET_DESCRIPTION =
  '`whsec_` + base64 of 24-64 bytes (the Standard Webhooks format); omitted: generated';

export class CreateSourceDto {
  @ApiProperty({
    example: 'billing',
    pattern: SOURCE_KEY_PATTERN.source,
    description:
      'Names the receiver `POST /api/v1/hooks/{key}`. Unique across ALL tenants (the route ' +
      'carries no tenant): a key another tenant holds is a 409. `github` and `schedule` are reserved.',
  })
  @IsString()
  @Matches(SOURCE_KEY_PATTERN, {
    message: 'key must be a slug: lowercase letters, digits, ".", "_" or "-" (1-64)',
  })
  key: string;

  @ApiPropertyOptional({ description: SECRET_DESCRIPTION })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  secret?: string;

  @ApiPropertyOptional({
    type: [String],
    example: ['203.0.113.0/24', '2001:db8::/32'],
    description: 'Addresses the sender delivers from; omitted or empty: any',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  allowedCidrs?: string[];

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 86_400,
    default: DEFAULT_TOLERANCE_SECONDS,
    description: 'How far webhook-timestamp may be from now, either way',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86_400)
  toleranceSeconds?: number;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;
}

export class RotateSourceSecretDto {
  @ApiPropertyOptional({ description: SECRET_DESCRIPTION })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  secret?: string;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 604_800,
    default: DEFAULT_OVERLAP_SECONDS,
    description: 'How long the current secret stays valid beside the new one (0: not at all)',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(604_800)
  overlapSeconds?: number;
}

export class SourceDto {
  @ApiProperty({ example: 'billing' })
  key: string;

  @ApiProperty({ example: '/api/v1/hooks/billing', description: 'Where the sender delivers' })
  hookPath: string;

  @ApiProperty({ type: String, nullable: true })
  description: string | null;

  @ApiProperty({ type: [String], description: 'Empty: any address' })
  allowedCidrs: string[];

  @ApiProperty({ example: DEFAULT_TOLERANCE_SECONDS })
  toleranceSeconds: number;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Until when the secret before the last rotation is still accepted',
  })
  previousSecretExpiresAt: string | null;

  @ApiProperty({
    type: [String],
    format: 'date-time',
    description:
      'Until when each secret retired before that one is still accepted (a rotation within the overlap keeps them, ten secrets verify at most)',
  })
  olderSecretsExpireAt: string[];

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt: string;

  static from(source: InboundWebhookSource): SourceDto {
    const overlap = source.previousSecretExpiresAt;
    return {
      key: source.key,
      hookPath: `/api/v1/hooks/${source.key}`,
      description: source.description,
      allowedCidrs: source.allowedCidrs,
      toleranceSeconds: source.toleranceSeconds,
      previousSecretExpiresAt:
        overlap && overlap.getTime() > Date.now() ? overlap.toISOString() : null,
      olderSecretsExpireAt: olderSecretsExpireAt(source),
      createdAt: source.createdAt.toISOString(),
      updatedAt: source.updatedAt.toISOString(),
    };
  }
}

/** Only the answers to create and rotate carry the secret. */
export class SourceWithSecretDto extends SourceDto {
  @ApiProperty({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' })
  secret: string;

  static withSecret(source: InboundWebhookSource): SourceWithSecretDto {
    return { ...SourceDto.from(source), secret: source.secret };
  }
}
