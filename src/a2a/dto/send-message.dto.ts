import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import { AsSent } from '../../common/validation/as-sent';

/** lf.a2a.v1 SendMessageRequest (ProtoJSON). */
export class SendMessageRequestDto {
  @ApiPropertyOptional({ description: 'Ignored: the tenant is the API key’s' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  tenant?: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'A2A Message {messageId, role: "ROLE_USER", parts, metadata: {skillId}}: skillId is the ' +
      'workflow definition key; the input is the first data part’s data (an object), else the ' +
      'text parts as {text}.',
  })
  @IsObject()
  @AsSent()
  message: Record<string, unknown>;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'SendMessageConfiguration; the task is always answered at once (submitted)',
  })
  @IsOptional()
  @IsObject()
  @AsSent()
  configuration?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Request metadata; skillId here when the message does not carry it',
  })
  @IsOptional()
  @IsObject()
  @AsSent()
  metadata?: Record<string, unknown>;
}
