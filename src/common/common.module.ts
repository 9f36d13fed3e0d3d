import { Global, MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { RequestContextMiddleware } from './context/request-context.middleware';
import { FastifyHooks } from './fastify-hooks';

@Global()
@Module({ providers: [FastifyHooks] })
export class CommonModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(RequestContextMiddleware)
      .forRoutes({ path: '{*splat}', method: RequestMethod.ALL });
  }
}
