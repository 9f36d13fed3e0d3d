import { Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiHeader, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ThrottlerException } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../../common/auth/public.decorator';
import { ApiData } from '../../common/openapi/envelope';
import { ApiProblems } from '../../common/openapi/problem-responses';
import { HookReceiptDto } from './dto/inbound-event.dto';
import {
  HookReceipt,
  HookRequest,
  InboundDeliveriesService,
  InboundRateLimitedError,
} from './inbound-deliveries.service';

const RECEIPT_DESCRIPTION =
  '202 `{data: {id, duplicate: false}}` when stored for the first time; 200 ' +
  '`{data: {id, duplicate: true}}` for a delivery id received before (nothing new stored).';

/**
 * The public receivers: no API key, the signature over the raw body authenticates. The JSON
 * body arrives here unparsed (a Buffer, see raw-body.ts) so the signed bytes are the ones checked.
 */
@ApiTags('webhooks in')
@Controller('hooks')
@Public()
export class HooksController {
  constructor(private readonly deliveries: InboundDeliveriesService) {}

  @Post('github')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Receive a GitHub webhook delivery (public: authenticated by X-Hub-Signature-256)',
    description:
      'Configure the GitHub webhook with content type `application/json`. The signature is ' +
      'checked against every secret of GITHUB_WEBHOOK_SECRETS (rotation); the client address ' +
      'against GITHUB_HOOK_CIDRS (X-Forwarded-For only through TRUST_PROXY). Deliveries belong ' +
      'to the `default` tenant and become `inbound.github.<X-GitHub-Event>` events. ' +
      '404 when no secret is configured. ' +
      RECEIPT_DESCRIPTION,
  })
  @ApiConsumes('application/json')
  @ApiBody({ schema: { type: 'object', additionalProperties: true } })
  @ApiHeader({ name: 'X-Hub-Signature-256', required: true, description: 'sha256=<hex HMAC>' })
  @ApiHeader({ name: 'X-GitHub-Delivery', required: true, description: 'deduplication key' })
  @ApiHeader({ name: 'X-GitHub-Event', required: true, example: 'issues' })
  @ApiData(HookReceiptDto, 202, 'Stored')
  @ApiData(HookReceiptDto, 200, 'A repeat of a delivery already received')
  @ApiProblems(400, 401, 403, 404, 413, 415, 429, 503)
  github(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return receive(reply, () => this.deliveries.receiveGithub(hookRequest(request)));
  }

  @Post(':sourceKey')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Receive a Standard Webhooks delivery (public: authenticated by webhook-signature)',
    description:
      'For a source registered with POST /webhooks/sources; source keys are unique across ' +
      'tenants, so the key alone names the tenant. `webhook-timestamp` must be within the ' +
      "source's tolerance (default 300 s) either way; any `v1,<base64>` entry of " +
      '`webhook-signature` signed with the secret (or the previous one during a rotation ' +
      'overlap) is accepted. Deliveries become `inbound.<sourceKey>.<type>` events, `type` ' +
      'being the body\'s "type" (lower case; `received` when absent). ' +
      RECEIPT_DESCRIPTION,
  })
  @ApiParam({ name: 'sourceKey', example: 'billing' })
  @ApiConsumes('application/json')
  @ApiBody({ schema: { type: 'object', additionalProperties: true } })
  @ApiHeader({ name: 'webhook-id', required: true, description: 'deduplication key' })
  @ApiHeader({ name: 'webhook-timestamp', required: true, description: 'unix seconds' })
  @ApiHeader({ name: 'webhook-signature', required: true, description: 'v1,<base64> ...' })
  @ApiData(HookReceiptDto, 202, 'Stored')
  @ApiData(HookReceiptDto, 200, 'A repeat of a delivery already received')
  @ApiProblems(400, 401, 403, 404, 413, 415, 429, 503)
  standard(
    @Param('sourceKey') sourceKey: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return receive(reply, () => this.deliveries.receiveStandard(sourceKey, hookRequest(request)));
  }
}

async function receive(
  reply: FastifyReply,
  work: () => Promise<HookReceipt>,
): Promise<{ data: HookReceipt }> {
  try {
    const receipt = await work();
    if (receipt.duplicate) void reply.status(200);
    return { data: receipt };
  } catch (error) {
    if (error instanceof InboundRateLimitedError) {
      void reply.header('retry-after', String(error.retryAfterSeconds));
      throw new ThrottlerException(error.message);
    }
    throw error;
  }
}

function hookRequest(request: FastifyRequest): HookRequest {
  return { body: request.body, headers: request.headers, ip: request.ip };
}
