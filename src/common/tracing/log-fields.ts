import { Span, trace } from '@opentelemetry/api';
import { activeContext, formatTraceFlags } from './trace-context';

/** The trace fields a log line carries. */
export interface TraceLogFields {
  trace_id?: string;
  span_id?: string;
  trace_flags?: string;
}

/** Writes `trace_id`, `span_id` and `trace_flags` of `span` into `line`. */
export function addSpanLogFields(line: TraceLogFields, span: Span): void {
  const { traceId, spanId, traceFlags } = span.spanContext();
  line.trace_id = traceId;
  line.span_id = spanId;
  line.trace_flags = formatTraceFlags(traceFlags);
}

/** What the mixin answers for a line it adds nothing to: shared, never merged into. */
const NO_FIELDS: Readonly<Record<string, never>> = Object.freeze({});

/**
 * pino mixin: `trace_id`, `span_id` and `trace_flags` of the active span, for a line that does
 * not carry them already (the request-completed line names its request's span itself).
 * Outside a span, and for such a line, it answers `NO_FIELDS`, which `mergeTraceFields` leaves
 * out instead of copying the line into it.
 */
export function traceFields(line: object): TraceLogFields {
  if ((line as TraceLogFields).trace_id !== undefined) return NO_FIELDS;
  const span = trace.getSpan(activeContext());
  if (!span) return NO_FIELDS;
  const fields: TraceLogFields = {};
  addSpanLogFields(fields, span);
  return fields;
}

/** pino's merge of a line and its mixin's fields: the line's own win, as pino's default does. */
export function mergeTraceFields(line: object, fields: object): object {
  return fields === NO_FIELDS ? line : Object.assign(fields, line);
}
