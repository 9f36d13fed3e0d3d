/**
 * A path naming one of `dependsOn`'s outputs as the other kind of path does, rewritten as this
 * kind reads it: a fan-out reads the run (`$.steps.<key>.output...`), sleeps, rate-limit units
 * and github steps read a task's input (`$.dependencies.<key>...`). Undefined for any other path.
 */
export function dependencyPathAs(
  form: 'run' | 'taskInput',
  path: string,
  dependsOn: string[],
): string | undefined {
  for (const dep of [...dependsOn].sort((a, b) => b.length - a.length)) {
    const [given, wanted] =
      form === 'run'
        ? [`$.dependencies.${dep}`, `$.steps.${dep}.output`]
        : [`$.steps.${dep}.output`, `$.dependencies.${dep}`];
    if (path === given || path.startsWith(`${given}.`))
      return `${wanted}${path.slice(given.length)}`;
  }
  return undefined;
}

/** The error of a path that names a dependency's output as a fan-out does, where a task's input is read. */
export function readsTaskInput(rewritten: string): string {
  return `names a dependency's output as a fan-out does; a task's input holds it at ${rewritten.slice(0, 256)}`;
}
