import {
  Context,
  context,
  isSpanContextValid,
  Link,
  ROOT_CONTEXT,
  Span,
  SpanContext,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
} from '@opentelemetry/api';

/**
 * Whether `src/tracing.ts` started the OpenTelemetry SDK in this process. Off (the default, and
 * in tests that build the app in process), every helper here returns at once: no span, no
 * context lookup, no string built.
 */
export const tracingState = { enabled: false };

export const TRACER_NAME = 'agentmesh';

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

export function formatTraceparent(spanContext: SpanContext): string | null {
  if (!isSpanContextValid(spanContext)) return null;
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0');
  return `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
}

/** The traceparent of the active span (to store with a run, an event, a message); null when off. */
export function currentTraceparent(): string | null {
  if (!tracingState.enabled) return null;
  const span = trace.getActiveSpan();
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
  if (parent === undefined) return context.active();
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
  const tracer = trace.getTracer(TRACER_NAME);
  return tracer.startActiveSpan(
    name,
    {
      kind: spec.kind ?? SpanKind.INTERNAL,
      attributes: spec.attributes,
      links: spec.links,
      startTime: spec.startTime,
    },
    parentContext(spec.parent),
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
  const span = trace
    .getTracer(TRACER_NAME)
    .startSpan(
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
 * A client span for one database statement, named by its bounded name (`select workflow_tasks`),
 * or undefined: with tracing off, outside any span (background polls), or under a span that is
 * not recorded (not sampled), where it would cost and show nothing. `text` is the statement as
 * sent: placeholders, never the values.
 */
export function startStatementSpan(
  name: string,
  text: string,
  target: StatementTarget,
): Span | undefined {
  if (!tracingState.enabled) return undefined;
  const parent = trace.getActiveSpan();
  if (!parent?.isRecording()) return undefined;
  const space = name.indexOf(' ');
  const verb = space === -1 ? name : name.slice(0, space);
  return trace.getTracer(TRACER_NAME).startSpan(name, {
    kind: SpanKind.CLIENT,
    attributes: {
      'db.system.name': 'postgresql',
      'db.operation.name': verb.toUpperCase(),
      // The first table named; a `with` statement's first name is its CTE's, not a table.
      'db.collection.name': space === -1 || verb === 'with' ? undefined : name.slice(space + 1),
      'db.query.summary': name,
      'db.query.text': text.length > 2_000 ? `${text.slice(0, 2_000)}…` : text,
      'db.namespace': target.database,
      'server.address': target.host,
      'server.port': target.port,
    },
  });
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
