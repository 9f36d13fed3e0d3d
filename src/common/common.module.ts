import { Global, Module } from '@nestjs/common';
import { FastifyHooks } from './fastify-hooks';

@Global()
@Module({ providers: [FastifyHooks] })
export class CommonModule {}
