import { AgentMeshConnectionError, AgentMeshError, WaitTimeoutError } from '../errors';
import { segment, type CallOptions, type Transport } from '../http';
import { isRetryableStatus, sleep } from '../retry';
import type {
  Approve,
  Budget,
  CancelledRuns,
  CancelRuns,
  CreateDefinition,
  CreateRun,
  Definition,
  DispatchState,
  EventType,
  FanOutElement,
  Page,
  QueryOf,
  Reject,
  Run,
  RunDetail,
  RunSummary,
  SignalBody,
  SignalResult,
  SignedReceipt,
  WorkflowEvent,
} from '../types';
import { listAll, listPage } from './list';
import { follow, type StreamEvent, type StreamOptions } from '../sse';

type Signal = Pick<CallOptions, 'signal'>;

const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);
const TERMINAL_EVENTS = new Set(['workflow.succeeded', 'workflow.failed', 'workflow.cancelled']);

/** Workflow definitions: versioned DAGs of steps. */
export class DefinitionsResource {
  constructor(private readonly http: Transport) {}

  /** Creates the definition, or its next version when the key exists. */
  create(body: CreateDefinition, options: Signal = {}): Promise<Definition> {
    return this.http.data('POST', '/workflow-definitions', {
      body,
      idempotencyKey: true,
      ...options,
    });
  }

  /** The latest version, or `version`. */
  get(key: string, query: { version?: number } = {}, options: Signal = {}): Promise<Definition> {
    return this.http.data('GET', `/workflow-definitions/${segment(key)}`, { query, ...options });
  }

  list(
    query: QueryOf<'DefinitionsController_list'> = {},
    options: Signal = {},
  ): Promise<Page<Definition>> {
    return listPage(this.http, '/workflow-definitions', 'definitions', query, options);
  }

  /** Pauses dispatch of the definition's runs (every version): none of their tasks is claimed. */
  pause(key: string, options: Signal = {}): Promise<DispatchState> {
    return this.http.data('POST', `/workflow-definitions/${segment(key)}/pause`, options);
  }

  /** Resumes a paused definition's dispatch. */
  resume(key: string, options: Signal = {}): Promise<DispatchState> {
    return this.http.data('POST', `/workflow-definitions/${segment(key)}/resume`, options);
  }
}

export interface WaitOptions {
  /** Give up (WaitTimeoutError) after this long; default 5 minutes. */
  timeoutMs?: number;
  /** Poll interval: starts at 200 ms and grows to this (default 2 s). */
  maxIntervalMs?: number;
  signal?: AbortSignal;
}

/** Workflow runs: start, read, follow, cancel. */
export class WorkflowsResource {
  constructor(private readonly http: Transport) {}

  /** Starts a run from a definition (`definitionKey`) or inline steps; resolves to the run. */
  start(body: CreateRun, options: Signal = {}): Promise<RunDetail> {
    return this.http.data('POST', '/workflows', { body, idempotencyKey: true, ...options });
  }

  /** The run with its steps and their tasks. */
  get(id: string, options: Signal = {}): Promise<RunDetail> {
    return this.http.data('GET', `/workflows/${segment(id)}`, options);
  }

  list(query: QueryOf<'WorkflowsController_list'> = {}, options: Signal = {}): Promise<Page<Run>> {
    return listPage(this.http, '/workflows', 'workflows', query, options);
  }

  iterate(query: QueryOf<'WorkflowsController_list'> = {}): AsyncGenerator<Run> {
    return listAll(this.http, '/workflows', 'workflows', query);
  }

  /** One page of the run's history, oldest first. */
  events(
    id: string,
    query: QueryOf<'WorkflowsController_events'> = {},
    options: Signal = {},
  ): Promise<Page<WorkflowEvent>> {
    return listPage(this.http, `/workflows/${segment(id)}/events`, 'events', query, options);
  }

  /** The run's whole history, oldest first. */
  allEvents(id: string): AsyncGenerator<WorkflowEvent> {
    return listAll(this.http, `/workflows/${segment(id)}/events`, 'events', { limit: 200 });
  }

  /** Cancels the run (409 once it has finished). */
  cancel(id: string, options: Signal = {}): Promise<RunDetail> {
    return this.http.data('POST', `/workflows/${segment(id)}/cancel`, {
      idempotencyKey: true,
      ...options,
    });
  }

  /** Cancels every unfinished run that matches (at least one filter); resolves to the count. */
  bulkCancel(body: CancelRuns, options: Signal = {}): Promise<CancelledRuns> {
    return this.http.data('POST', '/workflows/cancel', { body, idempotencyKey: true, ...options });
  }

  /** Runs created and finished since `since` (at most 31 days ago), by status. */
  summary(
    query: QueryOf<'WorkflowsController_summary'>,
    options: Signal = {},
  ): Promise<RunSummary> {
    return this.http.data('GET', '/workflows/summary', { query, ...options });
  }

  /** One page of a fan-out step's elements, in index order. */
  elements(
    id: string,
    stepKey: string,
    query: QueryOf<'WorkflowsController_elements'> = {},
    options: Signal = {},
  ): Promise<Page<FanOutElement>> {
    const path = `/workflows/${segment(id)}/steps/${segment(stepKey)}/elements`;
    return listPage(this.http, path, 'elements', query, options);
  }

  /** Every element of a fan-out step, page after page. */
  iterateElements(
    id: string,
    stepKey: string,
    query: QueryOf<'WorkflowsController_elements'> = {},
  ): AsyncGenerator<FanOutElement> {
    const path = `/workflows/${segment(id)}/steps/${segment(stepKey)}/elements`;
    return listAll(this.http, path, 'elements', query);
  }

  /** Sets the run's budget; a `budget_exceeded` run runs again. */
  setBudget(id: string, body: Budget, options: Signal = {}): Promise<RunDetail> {
    return this.http.data('POST', `/workflows/${segment(id)}/budget`, {
      body,
      idempotencyKey: true,
      ...options,
    });
  }

  /** Retries a failed run: its steps that did not succeed run again; outputs are kept. */
  retry(id: string, options: Signal = {}): Promise<RunDetail> {
    return this.http.data('POST', `/workflows/${segment(id)}/retry`, {
      idempotencyKey: true,
      ...options,
    });
  }

  /** Completes the run's steps waiting for this signal name, or keeps it for the next. */
  signal(id: string, body: SignalBody, options: Signal = {}): Promise<SignalResult> {
    return this.http.data('POST', `/workflows/${segment(id)}/signals`, {
      body,
      idempotencyKey: true,
      ...options,
    });
  }

  /** Approves the run's waiting approval step. */
  approve(
    id: string,
    stepKey: string,
    body: Approve = {},
    options: Signal = {},
  ): Promise<RunDetail> {
    return this.http.data('POST', `/workflows/${segment(id)}/steps/${segment(stepKey)}/approve`, {
      body,
      idempotencyKey: true,
      ...options,
    });
  }

  /** Rejects the run's waiting approval step; the comment is the step's error. */
  reject(id: string, stepKey: string, body: Reject, options: Signal = {}): Promise<RunDetail> {
    return this.http.data('POST', `/workflows/${segment(id)}/steps/${segment(stepKey)}/reject`, {
      body,
      idempotencyKey: true,
      ...options,
    });
  }

  /** The finished run's signed receipt (404 until it is issued, seconds after the end). */
  receipt(id: string, options: Signal = {}): Promise<SignedReceipt> {
    return this.http.data('GET', `/workflows/${segment(id)}/receipt`, options);
  }

  /**
   * Follows the run live: its history (after `lastEventId`), then each event as it commits,
   * until its terminal event (`workflow.succeeded`, `.failed`, `.cancelled`). Reconnects with
   * Last-Event-ID on network errors, so each event comes once, in order.
   *
   * ```ts
   * for await (const event of client.workflows.stream(run.id)) console.log(event.type, event.data);
   * ```
   */
  stream(id: string, options: StreamOptions = {}): AsyncGenerator<StreamEvent> {
    return follow(
      this.http,
      `/workflows/${segment(id)}/stream`,
      { lastEventId: undefined },
      options,
      (event) => TERMINAL_EVENTS.has(event.type),
      async () => FINISHED.has((await this.get(id, { signal: options.signal })).status),
    );
  }

  /**
   * Resolves to the run once it has finished (succeeded, failed or cancelled). A service that
   * cannot be reached or answers 429/503 (a restart, a rolling deploy) is waited out until the
   * timeout, however long it takes; any other error (a 404, a revoked key) rejects at once.
   */
  async waitForCompletion(id: string, options: WaitOptions = {}): Promise<RunDetail> {
    const timeoutMs = options.timeoutMs ?? 300_000;
    const deadline = Date.now() + timeoutMs;
    const maxInterval = options.maxIntervalMs ?? 2_000;
    let lastOutage: Error | undefined;
    /** What the last read that was answered said, until a read fails. */
    let known: string | undefined;
    for (let interval = 200; ; interval = Math.min(maxInterval, interval * 1.5)) {
      let state: string;
      let outage: Error | undefined;
      // Each read ends with the wait: the transport's own retries (a Retry-After of a minute)
      // must not hold it past its timeout.
      const remaining = AbortSignal.timeout(Math.max(1, deadline - Date.now()));
      const signal = options.signal ? AbortSignal.any([options.signal, remaining]) : remaining;
      try {
        const run = await this.get(id, { signal });
        if (FINISHED.has(run.status)) return run;
        state = `is still ${run.status}`;
        known = state;
      } catch (error) {
        if (options.signal?.aborted) throw error;
        const transient =
          remaining.aborted ||
          error instanceof AgentMeshConnectionError ||
          (error instanceof AgentMeshError && isRetryableStatus(error.status));
        if (!transient) throw error;
        if (remaining.aborted && known !== undefined) {
          // The wait ran out during this read (the last one, with what was left of it): the
          // answer before it says how the run stands, not the read cut short.
          state = known;
        } else {
          outage = remaining.aborted && lastOutage ? lastOutage : (error as Error);
          lastOutage = outage;
          known = undefined;
          state = `is unknown: ${outage.message}`;
        }
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new WaitTimeoutError(
          `run ${id} ${state} after ${timeoutMs} ms`,
          outage ? { cause: outage } : undefined,
        );
      }
      await sleep(Math.min(interval, left), options.signal);
    }
  }
}

export interface EventStreamQuery {
  /** Event type patterns as for webhooks: `*`, `a.b`, `a.*`. */
  types?: string[];
  workflowId?: string;
}

/** The tenant's domain events, live (dashboards, consoles). */
export class EventsResource {
  constructor(private readonly http: Transport) {}

  /**
   * Every event type with a description and the JSON Schema of its data: one page unless
   * `limit` says less; `cursor` is the page's `nextCursor` to read the next.
   */
  types(options: Signal & { limit?: number; cursor?: string } = {}): Promise<Page<EventType>> {
    const { limit, cursor, ...call } = options;
    return listPage(this.http, '/event-types', 'eventTypes', { limit, cursor }, call);
  }

  /**
   * Every event of the tenant as it commits (after `lastEventId` first, when given), filtered
   * by type patterns and run; runs until `signal` aborts. Reconnects as `workflows.stream`.
   */
  stream(query: EventStreamQuery = {}, options: StreamOptions = {}): AsyncGenerator<StreamEvent> {
    return follow(
      this.http,
      '/events/stream',
      { types: query.types?.join(','), workflowId: query.workflowId },
      options,
      () => false,
    );
  }
}
