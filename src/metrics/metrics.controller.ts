import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import type { FastifyReply } from 'fastify';
import { Public } from '../common/auth/public.decorator';
import { IpAllowlist } from '../common/net/ip-allowlist';

/** Prometheus scrape endpoint: no key, but only for METRICS_ALLOWED_CIDRS. */
@ApiExcludeController()
@Public()
@SkipThrottle()
@IpAllowlist('metrics')
@Controller()
export class MetricsController extends PrometheusController {
  @Get()
  override async index(@Res({ passthrough: true }) response: FastifyReply): Promise<string> {
    return super.index(response);
  }
}
