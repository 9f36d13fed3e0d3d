import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ApiPropertyOptions } from '@nestjs/swagger';
import { IsNumber, IsOptional, IsPositive, Max, Min } from 'class-validator';
import { IsSlug } from './definition.dto';
import { MayOmit } from '../../common/validation/may-omit';

/** The largest rate a limit may have: a billion units a minute. */
export const MAX_PER_MINUTE = 1_000_000_000;

const PER_MINUTE_DOC: ApiPropertyOptions = {
  type: Number,
  example: 60,
  minimum: 0,
  exclusiveMinimum: true,
  maximum: MAX_PER_MINUTE,
  description:
    'Units refilled per minute, spread evenly (60: one a second); a whole burst must refill ' +
    'within ten years (burst / perMinute <= 5,259,600)',
};
const BURST_DOC = {
  type: Number,
  minimum: 1,
  maximum: MAX_PER_MINUTE,
  description: 'Bucket size: the most units claimable at once after an idle spell',
} as const;

export class CreateRateLimitDto {
  @ApiProperty({ example: 'openai', description: 'Named by steps as `rateLimit`' })
  @IsSlug()
  key: string;

  @ApiProperty(PER_MINUTE_DOC)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @IsPositive()
  @Max(MAX_PER_MINUTE)
  perMinute: number;

  @ApiPropertyOptional({ ...BURST_DOC, description: `${BURST_DOC.description}; default perMinute` })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(1)
  @Max(MAX_PER_MINUTE)
  burst?: number;
}

export class UpdateRateLimitDto {
  @ApiPropertyOptional(PER_MINUTE_DOC)
  @MayOmit()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @IsPositive()
  @Max(MAX_PER_MINUTE)
  perMinute?: number;

  @ApiPropertyOptional(BURST_DOC)
  @MayOmit()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(1)
  @Max(MAX_PER_MINUTE)
  burst?: number;
}

export class RateLimitDto {
  @ApiProperty() key: string;
  @ApiProperty() perMinute: number;
  @ApiProperty() burst: number;
  @ApiProperty({ description: 'Units in the bucket now (claims take them; time refills them)' })
  tokens: number;
  @ApiProperty({
    description: 'Ready queued tasks of steps naming it (held back while it lacks their units)',
  })
  queued: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}
