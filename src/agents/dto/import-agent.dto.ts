import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional } from 'class-validator';
import { AsSent } from '../../common/validation/as-sent';
import { IsSlugId } from './register-agent.dto';

export class ImportAgentDto {
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'An A2A AgentCard' })
  @IsObject()
  @AsSent()
  card: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'Defaults to a slug of the card name' })
  @IsOptional()
  @IsSlugId()
  id?: string;
}
