import { registerDecorator, ValidationArguments } from 'class-validator';
import { patternMatchesKnown } from './event-catalogue';

/**
 * The patterns of the value (an array, or a comma-separated string) that are well formed
 * (others are reported by their own rule) and match no known event type.
 */
function unknownPatterns(value: unknown, wellFormed: RegExp): string[] {
  const patterns = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(patterns)) return [];
  return patterns.filter(
    (pattern): pattern is string =>
      typeof pattern === 'string' && wellFormed.test(pattern) && !patternMatchesKnown(pattern),
  );
}

/**
 * Every pattern must match at least one event type of the catalogue (`GET /event-types`): a
 * webhook subscription to `workflows.*` would be accepted and never fire, a stream filtered by
 * it would send keepalives only. `wellFormed` is the rule for one pattern.
 */
export function MatchesKnownEventTypes(wellFormed: RegExp): PropertyDecorator {
  return (target, propertyName) => {
    registerDecorator({
      name: 'matchesKnownEventTypes',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown) => unknownPatterns(value, wellFormed).length === 0,
        defaultMessage: (args?: ValidationArguments) => {
          const unknown = unknownPatterns(args?.value, wellFormed).map((p) => `"${p}"`);
          return (
            `${unknown.join(', ')} match${unknown.length === 1 ? 'es' : ''} no known event ` +
            'type (GET /api/v1/event-types lists them)'
          );
        },
      },
    });
  };
}
