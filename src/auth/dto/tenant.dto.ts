import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';
import type { Tenant } from '../entities/tenant.entity';

export class CreateTenantDto {
  @ApiProperty({ example: 'acme', pattern: '^[a-z0-9][a-z0-9-]{0,63}$' })
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9-]{0,63}$/, {
    message: 'id must be 1-64 lowercase letters, digits or dashes, starting with a letter or digit',
  })
  id: string;

  @ApiProperty({ example: 'Acme Corp' })
  @IsString()
  @Length(1, 200)
  name: string;
}

export class TenantDto {
  @ApiProperty({ example: 'acme' })
  id: string;

  @ApiProperty({ example: 'Acme Corp' })
  name: string;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  static from(tenant: Tenant): TenantDto {
    return { id: tenant.id, name: tenant.name, createdAt: tenant.createdAt.toISOString() };
  }
}
