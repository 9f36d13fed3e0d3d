import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';

type Lookup = (
  targetConstructor: unknown,
  targetSchema: string | undefined,
  always: boolean,
  strictGroups: boolean,
  groups?: string[],
) => ValidationMetadata[];

interface Storage {
  getTargetValidationMetadatas: Lookup;
  addValidationMetadata(metadata: ValidationMetadata): void;
  [CACHED]?: true;
}

const CACHED = Symbol('agentmesh.validation-metadata-cache');

/**
 * Remembers class-validator's answer to "which rules apply to this class" per class and
 * options. class-validator works it out on every object it validates by testing the class
 * against every registered class for inheritance (`MetadataStorage.getTargetValidationMetadatas`,
 * typestack/class-validator#2686): with the service's few hundred DTO classes, about 2 % of an
 * agent request's CPU, twice per request (the pipe asks too). The answer is fixed once the class
 * and its ancestors are loaded, which is before any of its objects can be validated; a rule
 * registered later (a class loaded later, a schema) empties the cache, so nothing is served
 * stale. Each caller gets its own copy of the list. Installed once per metadata storage (the
 * storage is process-global).
 */
export function cacheValidationMetadata(): void {
  const storage = getMetadataStorage() as unknown as Storage;
  if (storage[CACHED]) return;
  storage[CACHED] = true;
  const lookUp: Lookup = storage.getTargetValidationMetadatas.bind(storage);
  const addRule = storage.addValidationMetadata.bind(storage);
  let byClass = new WeakMap<object, Map<string, ValidationMetadata[]>>();
  storage.addValidationMetadata = (metadata) => {
    byClass = new WeakMap();
    addRule(metadata);
  };
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    if (typeof target !== 'function') return lookUp(target, schema, always, strictGroups, groups);
    const key = `${schema ?? ''}\u0000${always}\u0000${strictGroups}\u0000${groups?.join('\u0000') ?? '-'}`;
    let byOptions = byClass.get(target);
    if (!byOptions) {
      byOptions = new Map();
      byClass.set(target, byOptions);
    }
    let rules = byOptions.get(key);
    if (!rules) {
      rules = lookUp(target, schema, always, strictGroups, groups);
      byOptions.set(key, rules);
    }
    return rules.slice();
  };
}
