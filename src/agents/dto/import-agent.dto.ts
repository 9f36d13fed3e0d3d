import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsObject, IsOptional } from 'class-validator';
import { CARD_VERSIONS } from '../agent-card';
import type { CardVersion } from '../agent-card';
import { AsSent } from '../../common/validation/as-sent';
import { IsSlugId } from './register-agent.dto';

export class ImportAgentDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'An A2A AgentCard, 0.3 (url) or 1.0 (supportedInterfaces)',
  })
  @IsObject()
  @AsSent()
  card: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'Defaults to a slug of the card name' })
  @IsOptional()
  @IsSlugId()
  id?: string;
}

export class CardQueryDto {
  @ApiPropertyOptional({
    enum: CARD_VERSIONS,
    default: '1.0',
    description: 'A2A version of the card: 1.0 (supportedInterfaces) or 0.3 (url, protocolVersion)',
  })
  @IsOptional()
  @IsIn(CARD_VERSIONS)
  version?: CardVersion;
}
