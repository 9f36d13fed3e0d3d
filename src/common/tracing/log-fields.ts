import { Span, trace } from '@opentelemetry/api';

/** `trace_id`, `span_id` and `trace_flags` of a span, as log lines carry them. */
export function spanLogFields(span: Span): Record<string, string> {
  const { traceId, spanId, traceFlags } = span.spanContext();
  return {
    trace_id: traceId,
    span_id: spanId,
    trace_flags: traceFlags.toString(16).padStart(2, '0'),
  };
}

/**
 * pino mixin: `trace_id` and `span_id` of the active span (nothing outside one). A fresh
 * object each time: pino merges the line's own fields into what the mixin returns.
 */
export function traceFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  return span ? spanLogFields(span) : {};
}
