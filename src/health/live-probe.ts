import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';

export const LIVE_PATH = '/health/live';
const LIVE_BODY = JSON.stringify({ status: 'ok' });

/**
 * Answers the liveness probe as soon as Fastify has run its request hooks (security headers,
 * correlation id, request context, CORS), before Nest's pipeline: guards that all let a public,
 * unthrottled probe through, and the promise chain around a handler returning a constant. The
 * response hooks still run, so the probe keeps its log line and its metrics. HealthController
 * keeps the route (documentation, 404s, HEAD) and says what it answers.
 */
@Injectable()
export class LiveProbe implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('preHandler', (request, reply, done) => {
      if (request.routeOptions.url !== LIVE_PATH) {
        done();
        return;
      }
      void reply.type('application/json; charset=utf-8').send(LIVE_BODY);
    });
  }
}
