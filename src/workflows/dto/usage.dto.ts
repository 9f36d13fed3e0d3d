import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsInt,
  IsISO8601,
  IsNumber,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  Min,
} from 'class-validator';
import { PageQueryDto } from '../../common/pagination';
import { IsInstant } from '../../common/validation/instant';
import { MayOmit } from '../../common/validation/may-omit';

/** Far above any real report, well within what sums of them can hold exactly. */
const MAX_TOKENS = 1_000_000_000_000;
const MAX_USD = 1_000_000_000;
const MAX_WALL_SECONDS = 366 * 24 * 3600;

/** What one attempt used, reported with a completion or a progress report. */
export class UsageDto {
  @ApiProperty({
    minimum: 0,
    maximum: MAX_TOKENS,
    example: 1200,
    description: 'Prompt tokens (an integer)',
  })
  @IsInt()
  @Min(0)
  @Max(MAX_TOKENS)
  inputTokens: number;

  @ApiProperty({
    minimum: 0,
    maximum: MAX_TOKENS,
    example: 350,
    description: 'Completion tokens (an integer)',
  })
  @IsInt()
  @Min(0)
  @Max(MAX_TOKENS)
  outputTokens: number;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_USD,
    example: 0.0042,
    description: 'Cost in US dollars',
  })
  @MayOmit()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(MAX_USD)
  costUsd?: number;

  @ApiPropertyOptional({ maxLength: 128, example: 'gpt-4.1-mini' })
  @MayOmit()
  @IsString()
  @Length(1, 128)
  model?: string;
}

/** A run's limits; any may be left out (no limit), none sent as null. */
export class BudgetDto {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_TOKENS,
    description: 'Input + output tokens the run may use',
  })
  @MayOmit()
  @IsInt()
  @Min(0)
  @Max(MAX_TOKENS)
  tokens?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: MAX_USD, description: 'US dollars the run may cost' })
  @MayOmit()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(MAX_USD)
  costUsd?: number;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_WALL_SECONDS,
    description: 'Seconds the run may be running (from its first claim), checked every second',
  })
  @MayOmit()
  @IsInt()
  @Min(1)
  @Max(MAX_WALL_SECONDS)
  wallSeconds?: number;
}

/** Usage summed over reports. */
export class UsageTotalsDto {
  @ApiProperty() inputTokens: number;
  @ApiProperty() outputTokens: number;
  @ApiProperty({ description: 'US dollars (0 when no report gave a cost)' }) costUsd: number;
  @ApiProperty({ description: 'How many reports were summed' }) reports: number;
}

export const USAGE_GROUPS = ['day', 'definition', 'agent', 'skill', 'model'] as const;
export type UsageGroup = (typeof USAGE_GROUPS)[number];

export class UsageQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    format: 'date-time',
    description: 'From this time (inclusive); default: 30 days before `to`',
  })
  @IsOptional()
  @IsInstant()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'Until this time (exclusive); default: now',
  })
  @IsOptional()
  @IsInstant()
  @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional({
    enum: USAGE_GROUPS,
    default: 'day',
    description: 'day (UTC date), definition (key or inline type), agent, skill or model',
  })
  @IsOptional()
  @IsIn(USAGE_GROUPS)
  groupBy?: UsageGroup;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only the usage of this run' })
  @IsOptional()
  @IsUUID()
  workflowId?: string;
}

/** One group of the usage report. */
export class UsageGroupDto extends UsageTotalsDto {
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description:
      'The group: a UTC date (YYYY-MM-DD), a definition key, an agent id, a skill or a model; ' +
      'null: reports that named no model (groupBy=model)',
  })
  key: string | null;
  @ApiProperty({ description: 'inputTokens + outputTokens' }) tokens: number;
}
