import { ApiProperty } from '@nestjs/swagger';

/** The presented key as its holder may know it: which tenant it acts in and what it may do. */
export class WhoAmIDto {
  @ApiProperty({ example: 'default', description: 'Tenant the request acts in (X-Tenant-Id)' })
  tenantId: string;

  @ApiProperty({ example: 'default', description: 'Tenant the key belongs to' })
  keyTenantId: string;

  @ApiProperty({ example: ['workflows:read', 'agents:read'] })
  scopes: string[];

  @ApiProperty({ example: 'key_01J...' })
  keyId: string;

  @ApiProperty({ nullable: true, type: String, example: null })
  agentId: string | null;

  @ApiProperty({ description: 'Holds "*": may act in every tenant' })
  platformAdmin: boolean;
}
