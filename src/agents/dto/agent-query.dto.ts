import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { PageQueryDto } from '../../common/pagination';
import { AGENT_STATUSES } from '../entities/agent.entity';
import type { AgentStatus } from '../entities/agent.entity';

export class AgentQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Skill id or name' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  skill?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 64)
  tag?: string;

  @ApiPropertyOptional({ enum: AGENT_STATUSES })
  @IsOptional()
  @IsIn(AGENT_STATUSES)
  status?: AgentStatus;

  @ApiPropertyOptional({ description: 'Text in name or description' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  q?: string;
}

export const HEARTBEAT_STATUSES = ['healthy', 'degraded', 'draining'] as const;

export class HeartbeatDto {
  @ApiProperty({ enum: HEARTBEAT_STATUSES })
  @IsIn(HEARTBEAT_STATUSES)
  status: (typeof HEARTBEAT_STATUSES)[number];

  @ApiPropertyOptional({ minimum: 0 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  inFlight?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 1 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  load?: number;
}

export class LeaderboardQueryDto extends PageQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 200)
  skill?: string;

  @ApiPropertyOptional({
    description:
      'How far back outcomes count: hours (`24h`, or a bare number of hours) or days (`7d`); at most 90 days',
    default: '24h',
    example: '7d',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[1-9]\d{0,3}[hd]?$/, { message: 'window must look like 24h, 7d or 24' })
  window?: string;
}

export const MAX_WINDOW_HOURS = 90 * 24;

/** `24h`, `7d` or `24` (hours) → hours; undefined when over 90 days. */
export function windowHours(window: string | undefined): number | undefined {
  if (window === undefined) return 24;
  const amount = Number.parseInt(window, 10);
  const hours = window.endsWith('d') ? amount * 24 : amount;
  return hours <= MAX_WINDOW_HOURS ? hours : undefined;
}
