import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { IsInstant } from '../../common/validation/instant';
import type { ApiKey } from '../entities/api-key.entity';
import { ADMIN_SCOPE, SCOPES } from '../scopes';
import { NonEmptyList } from '../../common/validation/non-empty';

const GRANTABLE = [...SCOPES, ADMIN_SCOPE];

export class CreateApiKeyDto {
  @ApiProperty({ example: 'ci deployer' })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiProperty({ enum: GRANTABLE, isArray: true, example: ['agents:read', 'agents:write'] })
  @IsArray()
  @NonEmptyList()
  @ArrayMaxSize(GRANTABLE.length)
  @IsIn(GRANTABLE, { each: true, message: `each scope must be one of ${GRANTABLE.join(', ')}` })
  scopes: string[];

  @ApiPropertyOptional({ description: 'Bind the key to one agent: it may only act as it' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9._-]{0,63}$/, { message: 'agentId must be an agent id slug' })
  agentId?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'When the key stops working, with its zone (`Z` or an offset); in the future',
  })
  @IsOptional()
  @IsString({ message: 'expiresAt must be an ISO 8601 date-time' })
  @IsISO8601({ strict: true }, { message: 'expiresAt must be an ISO 8601 date-time' })
  @IsInstant()
  expiresAt?: string;

  @ApiPropertyOptional({ description: 'Platform admins only: create the key in this tenant' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9-]{0,63}$/, { message: 'tenantId must be a tenant id' })
  tenantId?: string;
}

export class RotateApiKeyDto {
  @ApiPropertyOptional({ default: 86_400, minimum: 0, maximum: 2_592_000 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(2_592_000)
  overlapSeconds?: number;
}

export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  tenantId: string;

  @ApiProperty()
  name: string;

  @ApiProperty({ type: [String] })
  scopes: string[];

  @ApiProperty({ nullable: true, type: String })
  agentId: string | null;

  @ApiProperty({
    example: 'amk_3fQ9xk2B',
    description: 'The first characters of the key; "ADMIN_API_KEY" for the key that variable sets',
  })
  prefix: string;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  expiresAt: string | null;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  revokedAt: string | null;

  @ApiProperty({ nullable: true, type: String, format: 'uuid' })
  rotatedTo: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  static from(key: ApiKey): ApiKeyDto {
    return {
      id: key.id,
      tenantId: key.tenantId,
      name: key.name,
      scopes: key.scopes,
      agentId: key.agentId,
      prefix: key.prefix,
      expiresAt: key.expiresAt?.toISOString() ?? null,
      revokedAt: key.revokedAt?.toISOString() ?? null,
      rotatedTo: key.rotatedTo,
      createdAt: key.createdAt.toISOString(),
    };
  }
}

export class IssuedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ description: 'The key itself. Shown only in this response: store it now.' })
  key: string;
}
