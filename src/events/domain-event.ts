/** A domain event as handlers and readers see it. */
export interface DomainEvent {
  id: string;
  /** Insert order (a bigint as text): the order of a subject's history. */
  position: string;
  tenantId: string | null;
  type: string;
  occurredAt: Date;
  subject: { type: string; id: string };
  data: Record<string, unknown>;
  correlationId: string | null;
  /** W3C traceparent of the span that emitted it (tracing on): dispatch and deliveries link to it. */
  traceContext?: string | null;
}

export interface EmitInput {
  /** Dotted, lower case: `agent.offline`, `workflow.succeeded`, `inbound.github.issues`. */
  type: string;
  /** The aggregate whose history this event belongs to (a run for its tasks' events). */
  subject: { type: string; id: string };
  data: Record<string, unknown>;
  /**
   * A run whose output `data` carries as `output`, gathered by PostgreSQL as the event is
   * written (workflow_run_output): tens of MB at times, never made into JSON text here.
   */
  outputOfRun?: string;
  /** Defaults to the tenant of the request context. */
  tenantId?: string | null;
}

/**
 * Matches an event type against a pattern: exact, `*` (everything) or a prefix wildcard
 * `workflow.*` (`workflow.started`, `workflow.step.done`, not `workflow` itself).
 */
export function eventTypeMatches(pattern: string, type: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return type.startsWith(pattern.slice(0, -1));
  return pattern === type;
}
