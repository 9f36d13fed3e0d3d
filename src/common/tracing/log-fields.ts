import { trace } from '@opentelemetry/api';

const NONE = {};

/** pino mixin: `trace_id` and `span_id` of the active span (nothing outside one). */
export function traceFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return NONE;
  const { traceId, spanId, traceFlags } = span.spanContext();
  return {
    trace_id: traceId,
    span_id: spanId,
    trace_flags: traceFlags.toString(16).padStart(2, '0'),
  };
}
