import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';

type Handler = (...args: unknown[]) => unknown;
type Controller = abstract new (...args: unknown[]) => unknown;

const cache = new WeakMap<Handler, WeakMap<Controller, Map<string, unknown>>>();
const MISSING = Symbol('missing');

/**
 * `reflector.getAllAndOverride(key, [handler, class])`, looked up once per route: the guards ask
 * on every request for metadata that never changes after bootstrap.
 */
export function routeMetadata<T>(
  reflector: Reflector,
  context: ExecutionContext,
  key: string,
): T | undefined {
  const handler = context.getHandler() as Handler;
  const controller = context.getClass() as Controller;
  let byController = cache.get(handler);
  if (!byController) {
    byController = new WeakMap();
    cache.set(handler, byController);
  }
  let values = byController.get(controller);
  if (!values) {
    values = new Map();
    byController.set(controller, values);
  }
  let value = values.get(key);
  if (value === undefined) {
    value = reflector.getAllAndOverride<T>(key, [handler, controller]) ?? MISSING;
    values.set(key, value);
  }
  return value === MISSING ? undefined : (value as T);
}
