import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsIn,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
} from 'class-validator';
import { AsSent } from '../../common/validation/as-sent';
import { IsSlug } from '../../workflows/dto/definition.dto';
import { OVERLAP_POLICIES } from '../entities/schedule.entity';
import type { OverlapPolicy } from '../entities/schedule.entity';
import { MayOmit } from '../../common/validation/may-omit';

const CRON_DOC = {
  example: '0 9 * * 1-5',
  maxLength: 120,
  description:
    'Five fields (minute hour day-of-month month day-of-week), six (seconds first), seven ' +
    '(seconds first, a year last) or a nickname (`@daily`), read in `timezone`; DST-correct: ' +
    'a fixed time repeated by a fall-back fires once, an interval keeps its spacing',
};
const OVERLAP_DOC = {
  enum: OVERLAP_POLICIES,
  description:
    "When the schedule's previous run has not finished at a tick: skip the tick, allow " +
    'another run, or cancel the previous run and start',
};

export class CreateScheduleDto {
  @ApiProperty({ example: 'nightly-report' })
  @IsSlug()
  key: string;

  @ApiProperty({ example: 'sdlc', description: 'Definition whose latest version each tick starts' })
  @IsSlug()
  definitionKey: string;

  @ApiProperty(CRON_DOC)
  @IsString()
  @IsNotEmpty()
  @MaxLength(120)
  cron: string;

  @ApiPropertyOptional({ example: 'Europe/Paris', default: 'UTC', description: 'IANA time zone' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  timezone?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Run input' })
  @IsOptional()
  @IsObject()
  @AsSent()
  input?: Record<string, unknown>;

  @ApiPropertyOptional({ ...OVERLAP_DOC, default: 'skip' })
  @IsOptional()
  @IsIn(OVERLAP_POLICIES)
  overlap?: OverlapPolicy;

  @ApiPropertyOptional({ default: true, description: 'false: created paused' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class UpdateScheduleDto {
  @ApiPropertyOptional({ example: 'sdlc' })
  @MayOmit()
  @IsSlug()
  definitionKey?: string;

  @ApiPropertyOptional(CRON_DOC)
  @MayOmit()
  @IsString()
  @IsNotEmpty()
  @MaxLength(120)
  cron?: string;

  @ApiPropertyOptional({ example: 'Europe/Paris' })
  @MayOmit()
  @IsString()
  @MaxLength(64)
  timezone?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true })
  @IsOptional()
  @IsObject()
  @AsSent()
  input?: Record<string, unknown>;

  @ApiPropertyOptional(OVERLAP_DOC)
  @MayOmit()
  @IsIn(OVERLAP_POLICIES)
  overlap?: OverlapPolicy;

  @ApiPropertyOptional()
  @MayOmit()
  @IsBoolean()
  enabled?: boolean;
}

export class ScheduleDto {
  @ApiProperty() key: string;
  @ApiProperty() definitionKey: string;
  @ApiProperty() cron: string;
  @ApiProperty() timezone: string;
  @ApiPropertyOptional({ nullable: true, type: 'object', additionalProperties: true })
  input: Record<string, unknown> | null;
  @ApiProperty({ enum: OVERLAP_POLICIES }) overlap: OverlapPolicy;
  @ApiProperty({ description: 'false: paused, no tick fires' }) enabled: boolean;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'The next tick (null while paused)',
  })
  nextFireAt: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' }) lastFiredAt:
    string | null;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'uuid' }) lastRunId: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class ScheduleDetailDto extends ScheduleDto {
  @ApiProperty({
    type: [String],
    format: 'date-time',
    description:
      'The next five fire times, from `nextFireAt` (a due tick not fired yet fires once; ' +
      'the rest from now on); empty while paused',
  })
  nextFireTimes: string[];
}
