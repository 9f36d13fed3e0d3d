import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, Matches } from 'class-validator';
import { AGENT_ID_PATTERN } from './register-agent.dto';

export class ImportAgentDto {
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'An A2A AgentCard' })
  @IsObject()
  card: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'Defaults to a slug of the card name' })
  @IsOptional()
  @IsString()
  @Matches(AGENT_ID_PATTERN, {
    message: 'id must be a slug: lowercase letters, digits, ".", "_" or "-"',
  })
  id?: string;
}
