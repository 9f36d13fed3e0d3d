import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Allow, IsOptional, IsString, Length, Matches } from 'class-validator';
import { ANY_JSON } from '../../common/openapi/any-json';
import { AsSent } from '../../common/validation/as-sent';

export class SignalDto {
  @ApiProperty({ example: 'deploy-approved', description: 'Completes the steps waiting for it' })
  @IsString()
  @Length(1, 128)
  name: string;

  @ApiPropertyOptional({ description: "Any JSON value: the waiting steps' output", ...ANY_JSON })
  @Allow()
  @AsSent()
  payload?: unknown;

  @ApiPropertyOptional({
    example: 'build-4711-done',
    description: 'Your id for this signal: a repeat is answered as the first (generated if absent)',
  })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  @Matches(/^[A-Za-z0-9._:-]+$/, { message: 'signalId may hold A-Z, a-z, 0-9, ".", "_", ":", "-"' })
  signalId?: string;
}

export class SignalResultDto {
  @ApiProperty({ format: 'uuid' }) workflowId: string;
  @ApiProperty() signalId: string;
  @ApiProperty() name: string;
  @ApiProperty({
    type: [String],
    description: 'Step keys it completed; empty: kept until a step starts waiting for it',
  })
  consumedBy: string[];
  @ApiProperty({ description: 'true: a repeat of a signalId already received; nothing changed' })
  duplicate: boolean;
  @ApiProperty({ format: 'date-time' }) receivedAt: string;
}

export class ApproveDto {
  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsString()
  @Length(1, 2000)
  comment?: string;
}

export class RejectDto {
  @ApiProperty({ maxLength: 2000, description: 'Why: the step’s error message' })
  @IsString()
  @Length(1, 2000)
  comment: string;
}
