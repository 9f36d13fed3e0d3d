import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { openRequestContext } from './context/request-context.hook';
import type { Logger } from 'pino';
import { requestLogger } from './logging/logging.options';
import { logRequest } from './logging/request-log';
import { securityHeaders } from './security-headers';

/**
 * Per-request work that must see every request, routed or not: security headers, the
 * correlation id echo, the log line.
 */
@Injectable()
export class FastifyHooks implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    const headers = securityHeaders();
    const log = requestLogger(fastify.log as Logger);
    fastify.addHook('onRequest', (request, reply, done) => {
      void reply.headers(headers);
      void reply.header('x-request-id', request.id);
      openRequestContext(request, reply, done);
    });
    fastify.addHook('onResponse', (request, reply, done) => {
      logRequest(request, reply, log);
      done();
    });
  }
}
