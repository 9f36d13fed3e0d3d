import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsNumber, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { Type } from 'class-transformer';
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
  @ApiPropertyOptional({ enum: HEARTBEAT_STATUSES })
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

  @ApiPropertyOptional({ description: 'Window in hours', default: 24 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(24 * 90)
  window?: number;
}
