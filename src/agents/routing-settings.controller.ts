import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Scopes } from '../auth/scopes';
import { currentTenantId, requestContext } from '../common/context/request-context';
import { ForbiddenError } from '../common/errors/domain-error';
import { ApiData } from '../common/openapi/envelope';
import { ApiProblems } from '../common/openapi/problem-responses';
import { AgentErrorCode } from './agents.errors';
import { RoutingSettingsDto, UpdateRoutingSettingsDto } from './dto/routing-settings.dto';
import { RoutingPolicy, RoutingSettingsService } from './routing-settings.service';

function settingsView(policy: RoutingPolicy): RoutingSettingsDto {
  return {
    quarantineThreshold: policy.quarantineThreshold,
    quarantineMinSamples: policy.quarantineMinSamples,
    outcomeWindow: policy.outcomeWindow,
    quarantineCooldownSeconds: policy.quarantineCooldownSeconds,
    reservationMs: policy.reservationMs,
    updatedAt: policy.updatedAt ? new Date(policy.updatedAt).toISOString() : null,
  };
}

@ApiTags('agents')
@Controller('routing/settings')
export class RoutingSettingsController {
  constructor(private readonly settings: RoutingSettingsService) {}

  @Get()
  @Scopes('agents:read')
  @ApiOperation({ summary: "The tenant's quarantine and outcome-routing settings" })
  @ApiData(RoutingSettingsDto)
  async get() {
    return { data: settingsView(await this.settings.of(currentTenantId())) };
  }

  @Patch()
  @Scopes('agents:write')
  @ApiOperation({
    summary: "Change the tenant's quarantine and outcome-routing settings",
    description:
      'The fields given replace the current ones; outcomeWindow must stay at least ' +
      "quarantineMinSamples. Audited (routing.settings.update). An agent's own key may not " +
      'change them (403).',
  })
  @ApiData(RoutingSettingsDto)
  @ApiProblems(400, 403)
  async update(@Body() body: UpdateRoutingSettingsDto) {
    if (requestContext.get()?.agentId !== undefined) {
      throw new ForbiddenError(
        AgentErrorCode.OperatorOnly,
        "An agent's key cannot change the routing settings; an operator's key can.",
      );
    }
    return { data: settingsView(await this.settings.update(body)) };
  }
}
