import {
  Attributes,
  Context,
  context,
  ContextManager,
  createContextKey,
  isSpanContextValid,
  Link,
  ROOT_CONTEXT,
  Span,
  SpanContext,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  Tracer,
} from '@opentelemetry/api';

/**
 * Whether `src/tracing.ts` started the OpenTelemetry SDK in this process. Off (the default, and
 * in tests that build the app in process), every helper here returns at once: no span, no
 * context lookup, no string built.
 */
export const tracingState = {
  enabled: false,
  /** Statement spans one request (or job) makes at most (`TRACING_STATEMENT_SPANS_MAX`). */
  statementSpansMax: Infinity,
  /** The started provider's tracer (looked up once, not per span). */
  tracer: undefined as Tracer | undefined,
  /**
   * The registered context manager, asked directly: the API's `context.active()` looks the
   * manager up in the process's global registry, with a version check, on every call.
   */
  contextManager: undefined as ContextManager | undefined,
};

/** The active context: the registered manager's, or the API's when none was started here. */
export function activeContext(): Context {
  return tracingState.contextManager?.active() ?? context.active();
}

export const TRACER_NAME = 'agentmesh';

/** The service's tracer. */
export function tracer(): Tracer {
  return tracingState.tracer ?? trace.getTracer(TRACER_NAME);
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** A W3C traceparent (version 00) as a remote span context; undefined when malformed. */
export function parseTraceparent(value: string | null | undefined): SpanContext | undefined {
  const match = value ? TRACEPARENT.exec(value) : null;
  if (!match) return undefined;
  const spanContext: SpanContext = {
    traceId: match[1],
    spanId: match[2],
    traceFlags: parseInt(match[3], 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
  return isSpanContextValid(spanContext) ? spanContext : undefined;
}

/** Trace flags as two hex digits; the two values spans have, made once. */
const FLAGS_HEX = ['00', '01'];

/** Trace flags as a traceparent and a log line write them: two hex digits. */
export function formatTraceFlags(flags: number): string {
  return FLAGS_HEX[flags] ?? (flags & 0xff).toString(16).padStart(2, '0');
}

export function formatTraceparent(spanContext: SpanContext): string | null {
  if (!isSpanContextValid(spanContext)) return null;
  const flags = formatTraceFlags(spanContext.traceFlags);
  return `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
}

/** The traceparent of the active span (to store with a run, an event, a message); null when off. */
export function currentTraceparent(): string | null {
  if (!tracingState.enabled) return null;
  const span = trace.getSpan(activeContext());
  return span ? formatTraceparent(span.spanContext()) : null;
}

/** Links to stored traceparents (the malformed and duplicates left out, at most 128). */
export function linksTo(traceparents: Iterable<string | null | undefined>): Link[] {
  const seen = new Set<string>();
  const links: Link[] = [];
  for (const value of traceparents) {
    if (!value || seen.has(value) || links.length >= 128) continue;
    seen.add(value);
    const spanContext = parseTraceparent(value);
    if (spanContext) links.push({ context: spanContext });
  }
  return links;
}

export interface SpanSpec {
  kind?: SpanKind;
  attributes?: Record<string, string | number | boolean | undefined>;
  links?: Link[];
  /**
   * The parent: a stored traceparent (the span continues that trace), `null` for a new root,
   * undefined for the active span.
   */
  parent?: string | null;
  startTime?: Date;
}

function parentContext(parent: string | null | undefined): Context {
  if (parent === undefined) return activeContext();
  const spanContext = parseTraceparent(parent);
  return spanContext ? trace.setSpanContext(ROOT_CONTEXT, spanContext) : ROOT_CONTEXT;
}

/**
 * Runs `work` in a span named `name` (the active span while it runs), recording a thrown error;
 * with tracing off, just runs it (`span` is undefined).
 */
export function withSpan<T>(
  name: string,
  spec: SpanSpec,
  work: (span: Span | undefined) => Promise<T>,
): Promise<T> {
  if (!tracingState.enabled) return work(undefined);
  return tracer().startActiveSpan(
    name,
    {
      kind: spec.kind ?? SpanKind.INTERNAL,
      attributes: spec.attributes,
      links: spec.links,
      startTime: spec.startTime,
    },
    // A span with a parent of its own (a job's root) has its own statement-span budget.
    spec.parent === undefined ? activeContext() : withStatementBudget(parentContext(spec.parent)),
    async (span) => {
      try {
        return await work(span);
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/**
 * A span that is over as soon as it starts (the hand-off of a task attempt to an agent): made
 * under `parent`, it answers its traceparent for the agent to continue. Null when off.
 */
export function markSpan(name: string, spec: SpanSpec): string | null {
  if (!tracingState.enabled) return null;
  const span = tracer().startSpan(
    name,
    { kind: spec.kind ?? SpanKind.INTERNAL, attributes: spec.attributes, links: spec.links },
    parentContext(spec.parent),
  );
  span.end();
  return formatTraceparent(span.spanContext());
}

/** What a statement span says of where it ran. */
export interface StatementTarget {
  database?: string;
  host?: string;
  port?: number;
}

/**
 * Statements that make no span: transaction control that says nothing a trace shows (its
 * statements' spans sit in the request's span either way). COMMIT and ROLLBACK keep theirs: a
 * commit waits for the WAL flush, a rollback says something failed.
 */
const UNTRACED_STATEMENTS: ReadonlySet<string> = new Set([
  'begin',
  'start',
  'savepoint',
  'release',
]);

/** One shared target per database, host and port, each with its attributes cache. */
const targets = new Map<string, StatementTarget>();
/** Per target, statement text → its span's attributes, built once. */
const attributeCaches = new WeakMap<StatementTarget, Map<string, Attributes>>();
const MAX_CACHED_STATEMENTS = 5_000;

/** The shared target of this database, host and port (what pooled clients name). */
export function statementTarget(where: StatementTarget): StatementTarget {
  const key = `${where.database ?? ''}|${where.host ?? ''}|${where.port ?? ''}`;
  let target = targets.get(key);
  if (!target) {
    target = { database: where.database, host: where.host, port: where.port };
    targets.set(key, target);
    attributeCaches.set(target, new Map());
  }
  return target;
}

/** Characters of a statement's text a span shows at most. */
const QUERY_TEXT_MAX = 2_000;

/**
 * A statement's text as its span shows it: each run of whitespace (the indentation of the
 * statements as written) one space, cut at QUERY_TEXT_MAX characters with an ASCII "...". One
 * character past Latin-1 (such as an ellipsis) would make V8 hold the whole exported batch at
 * two bytes per character, and its JSON encoding three times slower for every span in it.
 */
function shownText(text: string): string {
  const squeezed = text.replace(/\s+/g, ' ').trim();
  return squeezed.length > QUERY_TEXT_MAX ? `${squeezed.slice(0, QUERY_TEXT_MAX)}...` : squeezed;
}

function statementAttributes(name: string, text: string, target: StatementTarget): Attributes {
  const cache = attributeCaches.get(target);
  const cached = cache?.get(text);
  if (cached) return cached;
  const space = name.indexOf(' ');
  const verb = space === -1 ? name : name.slice(0, space);
  const attributes: Attributes = {
    'db.system.name': 'postgresql',
    'db.operation.name': verb.toUpperCase(),
    'db.query.summary': name,
    'db.query.text': shownText(text),
  };
  // The first table named; a `with` statement's first name is its CTE's, not a table.
  if (space !== -1 && verb !== 'with') attributes['db.collection.name'] = name.slice(space + 1);
  if (target.database !== undefined) attributes['db.namespace'] = target.database;
  if (target.host !== undefined) attributes['server.address'] = target.host;
  if (target.port !== undefined) attributes['server.port'] = target.port;
  if (cache && cache.size < MAX_CACHED_STATEMENTS) cache.set(text, attributes);
  return attributes;
}

/** Statement spans made so far under one request's (or job's) root span. */
interface StatementBudget {
  made: number;
}
const STATEMENT_BUDGET = createContextKey('agentmesh.statement-budget');
/** Budgets of spans started without one in their context (kept per parent span). */
const spanBudgets = new WeakMap<Span, StatementBudget>();
const refused = new WeakMap<Span, number>();

/**
 * `context` with a fresh statement-span budget: what runs in it (and in its child spans)
 * shares one `TRACING_STATEMENT_SPANS_MAX`. Given to a request's server span and to each job's
 * root span.
 */
export function withStatementBudget(context: Context): Context {
  const budget: StatementBudget = { made: 0 };
  return context.setValue(STATEMENT_BUDGET, budget);
}

/**
 * Whether one more statement span fits the cap of the request (or job) it runs in; past it,
 * the parent span counts the statements left out (`agentmesh.db.statements_untraced`).
 */
function withinBudget(active: Context, parent: Span): boolean {
  const max = tracingState.statementSpansMax;
  if (max === Infinity) return true;
  let budget = active.getValue(STATEMENT_BUDGET) as StatementBudget | undefined;
  if (!budget) {
    budget = spanBudgets.get(parent);
    if (!budget) {
      budget = { made: 0 };
      spanBudgets.set(parent, budget);
    }
  }
  if (budget.made < max) {
    budget.made += 1;
    return true;
  }
  const count = (refused.get(parent) ?? 0) + 1;
  refused.set(parent, count);
  parent.setAttribute('agentmesh.db.statements_untraced', count);
  return false;
}

/**
 * A client span for one database statement, named by its bounded name (`select workflow_tasks`),
 * or undefined: with tracing off, outside any span (background polls), under a span that is
 * not recorded (not sampled), where it would cost and show nothing, for transaction control
 * (BEGIN, SAVEPOINT, RELEASE) and past the request's cap. `text` is the statement as sent:
 * placeholders, never the values (shown as `shownText` gives it). Its attributes are built once
 * per statement text.
 */
export function startStatementSpan(
  name: string,
  text: string,
  target: StatementTarget,
): Span | undefined {
  if (!tracingState.enabled) return undefined;
  const active = activeContext();
  const parent = trace.getSpan(active);
  if (!parent?.isRecording() || UNTRACED_STATEMENTS.has(name) || !withinBudget(active, parent)) {
    return undefined;
  }
  // The attributes are set on the started span rather than given to startSpan, which copies
  // and checks them twice for the sampler; the samplers of OTEL_TRACES_SAMPLER do not read them.
  const span = tracer().startSpan(name, { kind: SpanKind.CLIENT }, active);
  return span.setAttributes(statementAttributes(name, text, target));
}

/** Ends a statement span; a failed statement records its SQLSTATE and message. */
export function endStatementSpan(span: Span, error: unknown): void {
  if (error) {
    const failure = error as { code?: unknown; message?: unknown };
    if (typeof failure.code === 'string')
      span.setAttribute('db.response.status_code', failure.code);
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: typeof failure.message === 'string' ? failure.message : undefined,
    });
  }
  span.end();
}
