import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { requestContext } from '../common/context/request-context';
import { ApiData } from '../common/openapi/envelope';
import { WhoAmIDto } from './dto/whoami.dto';
import { ADMIN_SCOPE, SCOPES, Scopes } from './scopes';

/**
 * What the presented key is: the console shows it after sign-in and hides what the scopes
 * cannot do. Any valid key may ask (every scope is listed, so any one of them passes).
 */
@ApiTags('api-keys')
@Controller('whoami')
export class WhoAmIController {
  @Get()
  @Scopes(...SCOPES, ADMIN_SCOPE)
  @ApiOperation({ summary: 'The presented key: its tenant, scopes and agent binding' })
  @ApiData(WhoAmIDto)
  whoami(): { data: WhoAmIDto } {
    const context = requestContext.require();
    const scopes = [...(context.scopes ?? [])];
    return {
      data: {
        tenantId: context.tenantId ?? '',
        keyTenantId: context.keyTenantId ?? context.tenantId ?? '',
        scopes,
        keyId: context.apiKeyId ?? '',
        agentId: context.agentId ?? null,
        platformAdmin: scopes.includes(ADMIN_SCOPE),
      },
    };
  }
}
