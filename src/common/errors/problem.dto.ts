import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class FieldErrorDto {
  @ApiProperty({ example: 'skills[0].name' })
  field: string;

  @ApiProperty({ example: 'name should not be empty' })
  message: string;
}

/** RFC 9457 problem details, the body of every error response. */
export class ProblemDto {
  @ApiProperty({ example: 'urn:agentmesh:problem:validation' })
  type: string;

  @ApiProperty({ example: 'Validation failed' })
  title: string;

  @ApiProperty({ example: 400 })
  status: number;

  @ApiProperty({ example: 'The request body has 1 invalid field.' })
  detail: string;

  @ApiProperty({ example: '/api/v1/agents' })
  instance: string;

  @ApiProperty({ example: '2b0c7f1e-3f0b-4c1e-9a55-5c3f7a1d2e90' })
  correlationId: string;

  @ApiPropertyOptional({ type: [FieldErrorDto] })
  errors?: FieldErrorDto[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
