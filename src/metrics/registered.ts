import { register } from 'prom-client';

/**
 * The metric registered under `name`, made by `make` the first time: a module or a class
 * built more than once in a process (tests build many applications) registers it once.
 */
export function registered<T>(name: string, make: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? make();
}
