import { Injectable } from '@nestjs/common';
import type { Link } from '@opentelemetry/api';
import { DataSource } from 'typeorm';
import { linksTo, parseTraceparent, tracingState } from '../common/tracing/trace-context';

const CACHE_SIZE = 10_000;

/**
 * The stored trace context of runs (their `invoke_workflow` span), read only with tracing on.
 * A run's context never changes once written, so it is cached (runs started with tracing off
 * are cached as having none).
 */
@Injectable()
export class RunTraces {
  private readonly cache = new Map<string, string | null>();

  constructor(private readonly dataSource: DataSource) {}

  /** runId → traceparent (or null) for these runs of the tenant. */
  async of(tenantId: string, runIds: string[]): Promise<Map<string, string | null>> {
    const found = new Map<string, string | null>();
    if (!tracingState.enabled) return found;
    const missing: string[] = [];
    for (const id of new Set(runIds)) {
      const cached = this.cache.get(id);
      if (cached === undefined) missing.push(id);
      else found.set(id, cached);
    }
    if (missing.length > 0) {
      const rows = await this.dataSource.query<Array<{ id: string; trace: string | null }>>(
        `SELECT id, trace_context AS trace FROM workflow_runs
          WHERE tenant_id = $1 AND id = ANY($2::uuid[])`,
        [tenantId, missing],
      );
      for (const row of rows) {
        const trace = parseTraceparent(row.trace) ? row.trace : null;
        found.set(row.id, trace);
        if (this.cache.size >= CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
        this.cache.set(row.id, trace);
      }
    }
    return found;
  }

  /** A link to the run's trace, unless `traceId` is already that trace. */
  async linkTo(tenantId: string, runId: string, traceId: string | undefined): Promise<Link[]> {
    const trace = (await this.of(tenantId, [runId])).get(runId);
    if (!trace || parseTraceparent(trace)?.traceId === traceId) return [];
    return linksTo([trace]);
  }
}
