import { SCOPES } from '../auth/scopes';
import { BadRequestError, FieldError } from '../common/errors/domain-error';
import { GITHUB_FIELDS, githubStepErrors, GithubFields } from './github-spec';
import { parseIsoTime } from '../common/validation/instant';
import { dependencyPathAs, readsTaskInput } from './dependency-paths';
import { dependencyRead } from './rate-limit-units';
import { WorkflowErrorCode } from './workflows.errors';
import { patternMatchesKnown } from '../events/event-catalogue';

/** Delay before retry n (n = the attempt that failed, from 1): initial × factor^(n-1), capped. */
export interface RetryBackoff {
  initialSeconds: number;
  factor: number;
  maxSeconds: number;
}

export const STEP_KINDS = ['task', 'wait', 'approval', 'sleep', 'github'] as const;
export type StepKind = (typeof STEP_KINDS)[number];
/** What a task row is: a step of its kind, or `fanout`, the own row of a task step with forEach. */
export type TaskKind = StepKind | 'fanout';

/** What a `wait` step waits for when it waits for an event. */
export interface WaitEventSpec {
  /** An event type, `prefix.*` or `*`, as for webhook endpoints. */
  type: string;
  /** Dot path into the event's data → a constant, or `$.input...` of the run. */
  match?: Record<string, unknown>;
}

/**
 * A step as a run keeps it. `kind` absent: a task (runs and definitions stored before kinds).
 * The kind's own fields are present only on its kind; `skill` is '' on steps that are not tasks.
 */
export interface StepSpec extends GithubFields {
  key: string;
  kind?: StepKind;
  skill: string;
  dependsOn: string[];
  timeoutSeconds: number | null;
  maxAttempts: number;
  retryBackoff: RetryBackoff;
  signal?: string;
  event?: WaitEventSpec;
  onTimeout?: 'fail' | 'succeed';
  approvers?: string[];
  description?: string;
  seconds?: number;
  until?: string;
  /** A task step that fans out: one task per element of the array at this path. */
  forEach?: string;
  /** task: the shared rate limit its claims take tokens from (see rate-limits.service.ts). */
  rateLimit?: RateLimitRef;
  /** task: "outcome" routing (see outcome-routing.ts); absent: fifo, whoever claims first. */
  routing?: 'outcome';
}

/** How a step's tasks reach agents: whoever claims first, or drawn by recent outcomes. */
export const ROUTING_MODES = ['fifo', 'outcome'] as const;
export type RoutingMode = (typeof ROUTING_MODES)[number];

/** A step's rate limit: its key, and the JSON path of the units a task takes (default 1). */
export interface RateLimitRef {
  key: string;
  units?: string;
}

/** Rate limit keys: slugs, as definition keys are. */
export const RATE_LIMIT_KEY = /^[a-z0-9][a-z0-9._-]{0,63}$/;
/** A units path: `$.input...` or `$.dependencies.<step>...` of the task's input. */
export const UNITS_PATH = /^\$\.(input|dependencies)(\.[A-Za-z0-9_-]+){1,15}$/;

/** The longest a wait, approval or sleep may last: 30 days. */
export const MAX_WAIT_SECONDS = 30 * 86_400;
/** A task attempt's longest timeout. */
export const MAX_TASK_TIMEOUT_SECONDS = 86_400;
/** `*`, an exact type (`agent.offline`) or a prefix wildcard (`workflow.*`). */
export const EVENT_PATTERN = /^(\*|[a-z0-9_]+(\.[a-z0-9_]+)*(\.\*)?)$/;
/** A dot path into JSON (an optional `$.` first): `payload.pull_request.number`. */
export const DOT_PATH = /^(\$\.)?[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+){0,15}$/;
const MAX_MATCH_ENTRIES = 8;

export function stepKind(step: Pick<StepSpec, 'kind'>): StepKind {
  return step.kind ?? 'task';
}

export interface TriggerSpec {
  source: string;
  event: string;
  /** Only deliveries whose payload `action` is this one; absent: every action. */
  action?: string;
}

export const DEFAULT_MAX_ATTEMPTS = 3;
export const DEFAULT_BACKOFF: RetryBackoff = { initialSeconds: 1, factor: 2, maxSeconds: 300 };

/** What a client sends for a step (validated for shape by the DTO first). */
export interface StepInput extends GithubFields {
  key: string;
  kind?: StepKind;
  skill?: string;
  signal?: string;
  event?: { type: string; match?: Record<string, unknown> };
  onTimeout?: 'fail' | 'succeed';
  approvers?: string[];
  description?: string;
  seconds?: number;
  until?: string;
  forEach?: string;
  dependsOn?: string[];
  timeoutSeconds?: number;
  maxAttempts?: number;
  retryBackoff?: Partial<RetryBackoff>;
  rateLimit?: string | { key?: unknown; units?: unknown };
  routing?: unknown;
}

/**
 * Checks the graph (duplicate keys, unknown or self dependencies, cycles) and fills defaults.
 * Errors name the offending step: `steps[2].dependsOn`.
 */
export function normaliseSteps(
  given: StepInput[],
  field = 'steps',
  routing: RoutingMode | null = 'fifo',
): StepSpec[] {
  const steps = given.map(leftOutNulls);
  const errors: FieldError[] = [];
  const index = new Map<string, number>();
  steps.forEach((step, i) => {
    if (index.has(step.key)) {
      errors.push({ field: `${field}[${i}].key`, message: `duplicate step key "${step.key}"` });
    } else index.set(step.key, i);
  });
  steps.forEach((step, i) => errors.push(...kindErrors(step, `${field}[${i}]`)));
  steps.forEach((step, i) => {
    const seen = new Set<string>();
    for (const dep of step.dependsOn ?? []) {
      if (seen.has(dep)) {
        errors.push({ field: `${field}[${i}].dependsOn`, message: `"${dep}" is listed twice` });
      } else if (dep === step.key) {
        errors.push({
          field: `${field}[${i}].dependsOn`,
          message: `step "${dep}" depends on itself`,
        });
      } else if (!index.has(dep)) {
        errors.push({ field: `${field}[${i}].dependsOn`, message: `unknown step "${dep}"` });
      }
      seen.add(dep);
    }
  });
  if (errors.length === 0) {
    const cycle = findCycle(steps);
    if (cycle) {
      errors.push({
        field: `${field}[${index.get(cycle[0])}].dependsOn`,
        message: `dependency cycle: ${cycle.join(' → ')}`,
      });
    }
  }
  if (errors.length === 0) {
    const ancestors = ancestorsOf(steps);
    steps.forEach((step, i) => {
      if (step.kind === 'github')
        errors.push(...githubReferenceErrors(step, `${field}[${i}]`, ancestors.get(step.key)!));
    });
  }
  if (errors.length > 0) {
    throw new BadRequestError(
      WorkflowErrorCode.InvalidDefinition,
      'The steps do not make a valid workflow.',
      errors,
    );
  }
  return steps.map((step): StepSpec => {
    const kind = step.kind ?? 'task';
    const base = {
      key: step.key,
      dependsOn: step.dependsOn ?? [],
      timeoutSeconds: step.timeoutSeconds ?? null,
    };
    if (kind === 'github') return githubStep(step, base);
    if (kind === 'task') {
      const rateLimit = rateLimitRef(step.rateLimit);
      return {
        ...base,
        skill: step.skill!,
        maxAttempts: step.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
        retryBackoff: { ...DEFAULT_BACKOFF, ...defined(step.retryBackoff ?? {}) },
        ...(step.forEach === undefined ? {} : { forEach: step.forEach }),
        ...(rateLimit ? { rateLimit } : {}),
        ...((step.routing ?? routing) === 'outcome' ? { routing: 'outcome' as const } : {}),
      };
    }
    // Not tasks: one attempt, no backoff; only the kind's own fields are kept.
    return {
      ...base,
      kind,
      skill: '',
      maxAttempts: 1,
      retryBackoff: DEFAULT_BACKOFF,
      ...defined({
        signal: step.signal,
        event:
          step.event === undefined
            ? undefined
            : {
                type: step.event.type,
                ...(step.event.match === undefined ? {} : { match: { ...step.event.match } }),
              },
        onTimeout: kind === 'wait' ? (step.onTimeout ?? 'fail') : undefined,
        approvers: step.approvers,
        description: step.description,
        seconds: step.seconds,
        until: step.until,
      }),
    };
  });
}

const KIND_FIELDS: Record<StepKind, ReadonlyArray<keyof StepInput>> = {
  task: [
    'skill',
    'timeoutSeconds',
    'maxAttempts',
    'retryBackoff',
    'forEach',
    'rateLimit',
    'routing',
  ],
  wait: ['signal', 'event', 'timeoutSeconds', 'onTimeout'],
  approval: ['timeoutSeconds', 'approvers', 'description'],
  sleep: ['seconds', 'until'],
  github: ['maxAttempts', 'retryBackoff', 'description', ...GITHUB_FIELDS],
};
const KIND_ONLY_FIELDS: ReadonlyArray<keyof StepInput> = [
  'skill',
  'timeoutSeconds',
  'maxAttempts',
  'retryBackoff',
  'rateLimit',
  'routing',
  'signal',
  'event',
  'onTimeout',
  'approvers',
  'description',
  'seconds',
  'until',
  'forEach',
  ...GITHUB_FIELDS,
];

/** What a step of its kind must have and must not have; errors name `steps[i].field`. */
function kindErrors(step: StepInput, at: string): FieldError[] {
  const kind = step.kind ?? 'task';
  const errors: FieldError[] = [];
  const error = (name: string, message: string) => errors.push({ field: `${at}.${name}`, message });
  for (const name of KIND_ONLY_FIELDS) {
    if (step[name] !== undefined && !KIND_FIELDS[kind].includes(name))
      error(name, `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind} step has no ${name}`);
  }
  const timeout = step.timeoutSeconds;
  switch (kind) {
    case 'task':
      if (step.skill === undefined) error('skill', 'a task step needs a skill');
      if (timeout !== undefined && timeout > MAX_TASK_TIMEOUT_SECONDS)
        error('timeoutSeconds', `must not be greater than ${MAX_TASK_TIMEOUT_SECONDS} (a day)`);
      if (step.forEach !== undefined) {
        const message = forEachError(step.forEach, step.dependsOn ?? []);
        if (message) error('forEach', message);
      }
      if (step.rateLimit !== undefined)
        errors.push(...rateLimitErrors(step.rateLimit, at, step.dependsOn ?? []));
      if (step.routing !== undefined && !ROUTING_MODES.includes(step.routing as RoutingMode))
        error('routing', `must be one of ${ROUTING_MODES.map((m) => `"${m}"`).join(', ')}`);
      break;
    case 'wait':
      if (step.signal === undefined && step.event === undefined)
        error('signal', 'a wait step needs a signal or an event');
      if (timeout === undefined) error('timeoutSeconds', 'a wait step needs a timeoutSeconds');
      if (step.event !== undefined) errors.push(...eventErrors(step.event, `${at}.event`));
      break;
    case 'sleep':
      if (step.seconds === undefined && step.until === undefined)
        error('seconds', 'a sleep step needs seconds or until');
      else if (step.seconds !== undefined && step.until !== undefined)
        error('seconds', 'seconds or until, not both');
      if (step.until !== undefined) {
        const message = untilError(step.until, step.dependsOn ?? [], Date.now());
        if (message) error('until', message);
      }
      break;
    case 'approval':
      for (const approver of step.approvers ?? []) {
        if (!isApprover(approver))
          error(
            'approvers',
            `"${approver.slice(0, 80)}" is neither a scope nor key:<id> (key names are not unique and are chosen by whoever creates a key, so they cannot name an approver)`,
          );
      }
      break;
    case 'github':
      errors.push(
        ...githubStepErrors(
          step,
          at,
          step.key === ON_FINISH_KEY ? undefined : (step.dependsOn ?? []),
        ),
      );
      break;
  }
  if (kind !== 'task' && timeout !== undefined && timeout > MAX_WAIT_SECONDS)
    error('timeoutSeconds', `must not be greater than ${MAX_WAIT_SECONDS} (30 days)`);
  return errors;
}

/** What follows the source of a forEach path: up to 16 keys (or array indexes), dot-separated. */
const PATH_TAIL = /^(\.[A-Za-z0-9_-]+){0,16}$/;

/** Where a forEach path reads: the run input, or a dependency's output; and the path within. */
export interface ForEachSource {
  /** `input`, or the key of the step whose output is read. */
  step: string | null;
  /** Dot path within it ('' for the whole value). */
  path: string;
}

/**
 * Splits `$.input[.path]` or `$.steps.<dependency>.output[.path]`; undefined when the path is
 * neither (a step key may contain dots: the dependencies are matched as whole prefixes).
 */
export function forEachSource(path: string, dependsOn: string[]): ForEachSource | undefined {
  if (path.length > 256) return undefined;
  const within = (prefix: string, step: string | null): ForEachSource | undefined => {
    if (!path.startsWith(prefix)) return undefined;
    const tail = path.slice(prefix.length);
    return PATH_TAIL.test(tail) ? { step, path: tail.slice(1) } : undefined;
  };
  const fromInput = within('$.input', null);
  if (fromInput) return fromInput;
  for (const dep of [...dependsOn].sort((a, b) => b.length - a.length)) {
    const found = within(`$.steps.${dep}.output`, dep);
    if (found) return found;
  }
  return undefined;
}

/** Why a forEach path is not allowed (undefined: it is). */
function forEachError(path: string, dependsOn: string[]): string | undefined {
  if (forEachSource(path, dependsOn)) return undefined;
  const rewritten = dependencyPathAs('run', path, dependsOn);
  if (rewritten)
    return `names a dependency's output as a task's input does; a fan-out reads it from the run: ${rewritten.slice(0, 256)}`;
  const named = /^\$\.steps\.([^.]+)\./.exec(path);
  if (named && !dependsOn.some((dep) => path.startsWith(`$.steps.${dep}.`)))
    return `reads step "${named[1].slice(0, 64)}", which is not in dependsOn: a fan-out reads only the run input or its dependencies' outputs`;
  return "must be a JSON path into the run input ($.input...) or a dependency's output ($.steps.<key>.output...)";
}

function eventErrors(event: { type: string; match?: Record<string, unknown> }, at: string) {
  const errors: FieldError[] = [];
  if (!EVENT_PATTERN.test(event.type) || event.type.length > 128) {
    errors.push({
      field: `${at}.type`,
      message: 'must be `*`, `a.b` or `a.*` (lower case, up to 128 characters)',
    });
  } else if (!patternMatchesKnown(event.type)) {
    // A typo would otherwise wait, unmatched, until the step times out.
    errors.push({
      field: `${at}.type`,
      message: `"${event.type}" matches no known event type (GET /api/v1/event-types lists them)`,
    });
  }
  const entries = Object.entries(event.match ?? {});
  if (entries.length > MAX_MATCH_ENTRIES)
    errors.push({ field: `${at}.match`, message: `at most ${MAX_MATCH_ENTRIES} paths` });
  for (const [path, value] of entries) {
    if (!DOT_PATH.test(path))
      errors.push({ field: `${at}.match`, message: `"${path.slice(0, 80)}" is not a dot path` });
    if (
      typeof value === 'string' &&
      value.startsWith('$.') &&
      !/^\$\.input(\.[A-Za-z0-9_-]+){0,15}$/.test(value)
    )
      errors.push({
        field: `${at}.match`,
        message: `"${value.slice(0, 80)}": a reference must be $.input or a path in it`,
      });
  }
  return errors;
}

const KEY_APPROVER = /^key:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An approval's approver: a scope its key holds, or one key by its id (`key:<uuid>`). */
export function isApprover(value: string): boolean {
  return KEY_APPROVER.test(value) || (SCOPES as readonly string[]).includes(value);
}

/** Whether the key `keyId` holding `scopes` is one of `approvers`. */
export function isListedApprover(
  approvers: readonly string[],
  keyId: string | undefined,
  scopes: readonly string[],
): boolean {
  return approvers.some((approver) =>
    KEY_APPROVER.test(approver)
      ? keyId !== undefined && approver.slice(4).toLowerCase() === keyId.toLowerCase()
      : (SCOPES as readonly string[]).includes(approver) && scopes.includes(approver),
  );
}

/** `rateLimit: "openai"` or `{key: "openai", units: "$.input.tokens"}`, nothing else. */
function rateLimitErrors(value: unknown, at: string, dependsOn: string[]): FieldError[] {
  const field = `${at}.rateLimit`;
  const keyMessage = 'a rate limit key is a slug: a-z, 0-9, ".", "_" or "-" (up to 64)';
  if (typeof value === 'string')
    return RATE_LIMIT_KEY.test(value) ? [] : [{ field, message: keyMessage }];
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return [{ field, message: 'must be a rate limit key or {key, units?}' }];
  const errors: FieldError[] = [];
  const ref = value as Record<string, unknown>;
  for (const name of Object.keys(ref)) {
    if (name !== 'key' && name !== 'units')
      errors.push({ field: `${field}.${name.slice(0, 64)}`, message: 'unknown field' });
  }
  if (typeof ref.key !== 'string' || !RATE_LIMIT_KEY.test(ref.key))
    errors.push({ field: `${field}.key`, message: keyMessage });
  const rewritten =
    typeof ref.units === 'string' ? dependencyPathAs('taskInput', ref.units, dependsOn) : undefined;
  if (rewritten) errors.push({ field: `${field}.units`, message: readsTaskInput(rewritten) });
  else if (
    ref.units !== undefined &&
    (typeof ref.units !== 'string' || !UNITS_PATH.test(ref.units))
  )
    errors.push({
      field: `${field}.units`,
      message:
        'must be a JSON path into the task input: $.input.<path> or $.dependencies.<step>.<path>',
    });
  else if (typeof ref.units === 'string') {
    // A task's input holds the outputs of its dependencies only: any other step is never there.
    const named = /^\$\.dependencies\.([^.]+)/.exec(ref.units);
    if (named && !dependencyRead(ref.units, dependsOn))
      errors.push({
        field: `${field}.units`,
        message: `reads step "${named[1].slice(0, 64)}", which is not in dependsOn: a task's input holds its dependencies' outputs only`,
      });
  }
  return errors;
}

/** The validated reference as runs keep it: always an object. */
function rateLimitRef(value: StepInput['rateLimit']): RateLimitRef | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return { key: value };
  const units = value.units as string | undefined;
  return units === undefined ? { key: value.key as string } : { key: value.key as string, units };
}

/** A sleep's `until` path: into the run input, or into a dependency's output. */
const UNTIL_TAIL = /^(\.[A-Za-z0-9_-]+){1,15}$/;

/** Why a sleep's `until` is not allowed (undefined: it is); `now` in epoch ms. */
function untilError(until: string, dependsOn: string[], now: number): string | undefined {
  if (until.startsWith('$.')) {
    const reads = (prefix: string) =>
      until.startsWith(prefix) && UNTIL_TAIL.test(until.slice(prefix.length));
    if (
      until.length <= 256 &&
      (reads('$.input') || dependsOn.some((dep) => reads(`$.dependencies.${dep}`)))
    )
      return undefined;
    // Suggested only where the rewritten path is one a sleep takes (a time is never a whole
    // output read as `$.dependencies.<step>`).
    const rewritten = dependencyPathAs('taskInput', until, dependsOn);
    if (rewritten && untilError(rewritten, dependsOn, now) === undefined)
      return readsTaskInput(rewritten);
    const named = /^\$\.dependencies\.([^.]+)/.exec(until);
    if (named && !dependsOn.some((dep) => until.startsWith(`$.dependencies.${dep}.`)))
      return `reads step "${named[1].slice(0, 64)}", which is not in dependsOn: a sleep reads only the run input or its dependencies' outputs`;
    return "must be a JSON path into the run input ($.input.<path>) or a dependency's output ($.dependencies.<step>.<path>)";
  }
  const at = parseIsoTime(until);
  if (at === undefined)
    return 'must be an ISO 8601 time that exists (2030-01-02T03:04:05Z) or a JSON path such as $.input.wakeAt';
  if (at - now > MAX_WAIT_SECONDS * 1000) return 'a sleep may last at most 30 days from now';
  return undefined;
}

/** The default attempts of a GitHub call: 5xx, network errors and rate limits are retried. */
export const GITHUB_DEFAULT_MAX_ATTEMPTS = 5;

/** A github step as stored: its own fields only, with its attempts and backoff. */
function githubStep(
  step: StepInput,
  base: { key: string; dependsOn: string[]; timeoutSeconds: number | null },
): StepSpec {
  return {
    ...base,
    kind: 'github',
    skill: '',
    maxAttempts: step.maxAttempts ?? GITHUB_DEFAULT_MAX_ATTEMPTS,
    retryBackoff: { ...DEFAULT_BACKOFF, ...defined(step.retryBackoff ?? {}) },
    ...defined({
      action: step.action,
      body: step.body,
      repo: step.repo,
      issue: step.issue,
      state: step.state,
      context: step.context,
      description: step.description,
      sha: step.sha,
      targetUrl: step.targetUrl,
    }),
  };
}

/** The key a definition's `onFinish` step runs under: not a slug, so no step can have it. */
export const ON_FINISH_KEY = 'onFinish';

/**
 * A definition's `onFinish`: a github step run once the run has finished (succeeded, failed or
 * cancelled). Validated as a step of the definition (its templates may name any step).
 */
export function normaliseOnFinish(
  given: Omit<StepInput, 'key'> | null | undefined,
  steps: StepSpec[],
  field = 'onFinish',
): StepSpec | null {
  if (given === undefined || given === null) return null;
  const onFinish = leftOutNulls(given);
  const errors: FieldError[] = [];
  if (onFinish.kind !== 'github')
    errors.push({ field: `${field}.kind`, message: 'onFinish must be a github step' });
  if (onFinish.dependsOn !== undefined)
    errors.push({ field: `${field}.dependsOn`, message: 'onFinish runs after every step' });
  if (errors.length === 0) {
    const step = { ...onFinish, key: ON_FINISH_KEY };
    errors.push(
      ...kindErrors(step, field),
      ...githubReferenceErrors(step, field, new Set(steps.map((s) => s.key))),
    );
  }
  if (errors.length > 0) {
    throw new BadRequestError(
      WorkflowErrorCode.InvalidDefinition,
      'The onFinish step is invalid.',
      errors,
    );
  }
  return githubStep(
    { ...onFinish, key: ON_FINISH_KEY },
    {
      key: ON_FINISH_KEY,
      dependsOn: [],
      timeoutSeconds: null,
    },
  );
}

/** `{{steps.<key>...}}` of a github step must name a step it (transitively) depends on. */
function githubReferenceErrors(step: StepInput, at: string, known: Set<string>): FieldError[] {
  const errors: FieldError[] = [];
  for (const name of ['body', 'description'] as const) {
    const template = step[name];
    if (typeof template !== 'string') continue;
    for (const key of stepReferences(template)) {
      if (!known.has(key))
        errors.push({
          field: `${at}.${name}`,
          message: `{{steps.${key}...}}: the step must depend on "${key}" (directly or through others)`,
        });
    }
  }
  return errors;
}

/** Step keys a template's `{{steps.<key>...}}` placeholders name. */
function stepReferences(template: string): string[] {
  return [...template.matchAll(/\{\{\s*steps\.([^.\s}]+)/g)].map((match) => match[1]);
}

/** The keys every step depends on, directly or through others (the graph has no cycle). */
function ancestorsOf(steps: StepInput[]): Map<string, Set<string>> {
  const deps = new Map(steps.map((step) => [step.key, step.dependsOn ?? []]));
  const memo = new Map<string, Set<string>>();
  const visit = (key: string): Set<string> => {
    const known = memo.get(key);
    if (known) return known;
    const all = new Set<string>();
    memo.set(key, all);
    for (const dep of deps.get(key) ?? []) {
      all.add(dep);
      for (const further of visit(dep)) all.add(further);
    }
    return all;
  };
  for (const key of deps.keys()) visit(key);
  return memo;
}

/** Drops undefined properties (DTO instances carry them), so defaults are not overwritten. */
/**
 * A step as written, with every field given as `null` left out (and so the fields of its
 * `retryBackoff` and `rateLimit` objects): null is "not given", as for any optional field, and
 * a required one is then missing ("a task step needs a skill") rather than stored as null.
 * Free-form values (a wait's event match, templates) are not touched.
 */
function leftOutNulls<T extends object>(step: T): T {
  const kept: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(step)) {
    if (value === null) continue;
    kept[name] =
      (name === 'retryBackoff' || name === 'rateLimit') &&
      typeof value === 'object' &&
      !Array.isArray(value)
        ? Object.fromEntries(Object.entries(value as object).filter(([, v]) => v !== null))
        : value;
  }
  return kept as T;
}

function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A cycle as step keys (first repeated at the end), or undefined. Depth-first, iterative. */
function findCycle(steps: StepInput[]): string[] | undefined {
  const deps = new Map(steps.map((step) => [step.key, step.dependsOn ?? []]));
  const state = new Map<string, 'visiting' | 'done'>();
  for (const start of deps.keys()) {
    if (state.has(start)) continue;
    const path: string[] = [];
    const stack: Array<{ key: string; next: number }> = [{ key: start, next: 0 }];
    state.set(start, 'visiting');
    path.push(start);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const children = deps.get(top.key) ?? [];
      if (top.next >= children.length) {
        state.set(top.key, 'done');
        stack.pop();
        path.pop();
        continue;
      }
      const child = children[top.next++];
      const seen = state.get(child);
      if (seen === 'visiting') return [...path.slice(path.indexOf(child)), child];
      if (seen === undefined) {
        state.set(child, 'visiting');
        path.push(child);
        stack.push({ key: child, next: 0 });
      }
    }
  }
  return undefined;
}

/** Steps with no row yet whose dependencies all succeeded. */
export function readySteps(
  steps: StepSpec[],
  succeeded: Set<string>,
  started: Set<string>,
): StepSpec[] {
  return steps.filter(
    (step) => !started.has(step.key) && step.dependsOn.every((dep) => succeeded.has(dep)),
  );
}

export function backoffSeconds(backoff: RetryBackoff, failedAttempt: number): number {
  const delay = backoff.initialSeconds * Math.pow(backoff.factor, Math.max(0, failedAttempt - 1));
  return Math.min(backoff.maxSeconds, delay);
}
