import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AuthErrorCode } from '../auth/auth.errors';
import { SCOPES, Scopes } from '../auth/scopes';
import { DEFAULT_TENANT_ID } from '../auth/tenants.service';
import { KeyOptional } from '../common/auth/public.decorator';
import { requestContext } from '../common/context/request-context';
import { UnauthorizedError } from '../common/errors/domain-error';
import { AGENT_CARD_SCHEMA } from './openapi-schemas';
import type { AppConfig } from '../config/config';
import { InjectConfig } from '../config/config.module';
import { A2aService } from './a2a.service';

@ApiTags('a2a')
@Controller('.well-known')
export class WellKnownController {
  constructor(
    private readonly a2a: A2aService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  @Get('agent-card.json')
  @KeyOptional()
  // Any valid key: the card of its tenant (a platform admin's X-Tenant-Id as elsewhere).
  @Scopes(...SCOPES)
  @ApiOperation({
    summary: "The A2A 1.0 AgentCard of the key's tenant: one skill per workflow definition",
    description:
      "Any valid key gets its tenant's card. Without a key: the default tenant's card when " +
      'A2A_PUBLIC_CARD=true, else 401.',
  })
  @ApiOkResponse({ description: 'The AgentCard', schema: AGENT_CARD_SCHEMA })
  async card(@Res({ passthrough: true }) reply: FastifyReply) {
    const context = requestContext.require();
    if (!context.tenantId) {
      if (!this.config.a2aPublicCard) {
        void reply.header('www-authenticate', 'Bearer');
        throw new UnauthorizedError(
          AuthErrorCode.MissingCredentials,
          'Send an API key as "Authorization: Bearer <key>" or "X-API-Key: <key>" ' +
            '(the public card is off: A2A_PUBLIC_CARD).',
        );
      }
      context.tenantId = DEFAULT_TENANT_ID;
    }
    return this.a2a.card();
  }
}
