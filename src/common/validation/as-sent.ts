const AS_SENT_FIELDS = Symbol('agentmesh:as-sent-fields');

/**
 * Marks a free-form JSON field of a body DTO (labels, run input, task output, an imported card):
 * the validation pipe hands it to the handler exactly as parsed. class-transformer would
 * otherwise rebuild it key by key, skipping or mangling every key that names a member of
 * Object.prototype (`toString`, `constructor`, `hasOwnProperty`, …) at any depth. The body
 * parser has already refused `__proto__`, constructor poisoning and over-deep nesting.
 * Only for top-level properties of the DTO the route takes as its body.
 */
export const AsSent =
  (): PropertyDecorator =>
  (target: object, key: string | symbol): void => {
    const owner = target.constructor;
    const inherited = (Reflect.getMetadata(AS_SENT_FIELDS, owner) as string[] | undefined) ?? [];
    Reflect.defineMetadata(AS_SENT_FIELDS, [...inherited, String(key)], owner);
  };

/** The fields of `type` marked @AsSent(), its base classes' included. */
export function asSentFields(type: unknown): readonly string[] {
  if (typeof type !== 'function') return [];
  return (Reflect.getMetadata(AS_SENT_FIELDS, type) as string[] | undefined) ?? [];
}

/**
 * What class-transformer and class-validator see of a free-form value: the same kind of
 * value (so `@IsObject()` and friends judge it as before) with nothing inside to walk.
 */
export function standIn(value: unknown): unknown {
  if (Array.isArray(value)) return [];
  if (value !== null && typeof value === 'object') return {};
  return value;
}
