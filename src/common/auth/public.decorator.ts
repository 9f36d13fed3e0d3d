import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'agentmesh:public';

/** Marks a route that needs no API key (probes, docs, signature-authenticated hooks). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);

export const KEY_OPTIONAL = 'agentmesh:key-optional';

/**
 * Marks a route a caller may reach without any API key: the guard lets it through with no
 * tenant in the request context, and the handler decides (the public A2A card). A key that is
 * presented is checked as on every route.
 */
export const KeyOptional = (): MethodDecorator & ClassDecorator => SetMetadata(KEY_OPTIONAL, true);
