import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { AsSent } from '../../common/validation/as-sent';
import { NonEmptyList } from '../../common/validation/non-empty';

export const AGENT_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
/** What AGENT_ID_PATTERN asks, as a field error says it. */
export const AGENT_ID_RULE =
  'id must be a slug of 1-64 characters: lowercase letters, digits, ".", "_" or "-", ' +
  'starting with a letter or digit';

/** An agent or skill id: a slug of 1-64 characters. */
export const IsSlugId = (): PropertyDecorator =>
  applyDecorators(
    IsString(),
    Matches(AGENT_ID_PATTERN, {
      message: AGENT_ID_RULE,
    }),
  );
export const MAX_SKILLS = 64;

export class SkillDto {
  @ApiPropertyOptional({ description: 'Defaults to a slug of name', example: 'echo' })
  @IsOptional()
  @IsSlugId()
  id?: string;

  @ApiProperty({ example: 'Echo' })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(32)
  @IsString({ each: true })
  @Length(1, 64, { each: true })
  tags?: string[];

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(16)
  @IsString({ each: true })
  @Length(1, 1000, { each: true })
  examples?: string[];
}

/** The body of PUT /agents/{id}: everything but the id. */
export class AgentRegistrationDto {
  @ApiProperty({ example: 'Agent A' })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @ApiPropertyOptional({ example: 'https://agent-a.internal/a2a' })
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  @MaxLength(2048)
  endpoint?: string;

  @ApiPropertyOptional({ example: '1.2.0' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  version?: string;

  @ApiProperty({ type: [SkillDto] })
  @IsArray()
  @NonEmptyList()
  @ArrayMaxSize(MAX_SKILLS)
  @ValidateNested({ each: true })
  @Type(() => SkillDto)
  skills: SkillDto[];

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  @AsSent()
  labels?: Record<string, unknown>;

  @ApiPropertyOptional({ minimum: 1, maximum: 3600, default: 10 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3600)
  heartbeatIntervalSeconds?: number;
}

export class RegisterAgentDto extends AgentRegistrationDto {
  @ApiPropertyOptional({ description: 'Generated when absent', example: 'agent-a' })
  @IsOptional()
  @IsSlugId()
  id?: string;
}
