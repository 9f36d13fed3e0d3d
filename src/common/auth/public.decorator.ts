import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'agentmesh:public';

/** Marks a route that needs no API key (probes, docs, signature-authenticated hooks). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);
