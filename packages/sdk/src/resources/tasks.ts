import { segment, type CallOptions, type Transport } from '../http';
import type {
  AttemptResult,
  Claim,
  ClaimedTask,
  CompleteAndClaimResult,
  Fail,
  Json,
  LeaseState,
  ProgressReport,
  TaskDetail,
  Usage,
} from '../types';

type Signal = Pick<CallOptions, 'signal'>;

/**
 * A call on a claimed task: an abort signal, and the task's `traceparent` (present when the
 * service exports traces), sent as the W3C header so the call joins the attempt's trace.
 */
export interface TaskCallOptions extends Signal {
  traceparent?: string;
}

function traced({
  traceparent,
  ...options
}: TaskCallOptions): Pick<CallOptions, 'signal' | 'headers'> {
  return traceparent ? { ...options, headers: { traceparent } } : options;
}

/** The task protocol an agent speaks; `Worker` drives it for you. */
export class TasksResource {
  constructor(private readonly http: Transport) {}

  /** One task: status, attempt, lease, output or error, and usage. */
  get(id: string, options: Signal = {}): Promise<TaskDetail> {
    return this.http.data('GET', `/tasks/${segment(id)}`, options);
  }

  /**
   * Leases up to `max` tasks of the agent's skills, waiting up to `waitSeconds` for work. Named
   * with a `claimId` (a new one unless given), so it is retried like the other safe calls: sent
   * again after a lost answer, it answers the tasks the first one leased.
   */
  async claim(agentId: string, body: Claim = {}, options: Signal = {}): Promise<ClaimedTask[]> {
    const data = await this.http.data<{ tasks: ClaimedTask[] }>(
      'POST',
      `/agents/${segment(agentId)}/tasks/claim`,
      {
        body: { ...body, claimId: body.claimId ?? globalThis.crypto.randomUUID() },
        retry: true,
        ...options,
      },
    );
    return data.tasks;
  }

  /** Extends the lease (409 once it is lost: cancelled, timed out, taken by another agent). */
  heartbeat(id: string, leaseToken: string, options: TaskCallOptions = {}): Promise<LeaseState> {
    return this.http.data('POST', `/tasks/${segment(id)}/heartbeat`, {
      body: { leaseToken },
      retry: true,
      ...traced(options),
    });
  }

  /**
   * Reports progress (holder only) and extends the lease as a heartbeat does. Reports are
   * coalesced by the service: `emitted: false` means kept as the latest, written shortly.
   */
  progress(
    id: string,
    body: ProgressReport & { leaseToken: string },
    options: TaskCallOptions = {},
  ) {
    return this.http.data<LeaseState & { emitted: boolean }>(
      'POST',
      `/tasks/${segment(id)}/progress`,
      { body, retry: true, ...traced(options) },
    );
  }

  /** Completes the attempt; a repeat with the same payload answers the same, so it is retried. */
  complete(
    id: string,
    body: { leaseToken: string; output?: Json; usage?: Usage },
    options: TaskCallOptions = {},
  ): Promise<AttemptResult> {
    return this.http.data('POST', `/tasks/${segment(id)}/complete`, {
      body,
      retry: true,
      ...traced(options),
    });
  }

  /**
   * Completes the attempt and, once that has committed, leases the agent's next tasks in the
   * same request (one request per task in steady state). Retried as `complete` is: sent again
   * after a lost answer, it is a repeat, answered with the tasks the lost answer leased while
   * the agent holds them (under the same leases), so a retry strands none.
   */
  completeAndClaimNext(
    id: string,
    body: {
      leaseToken: string;
      output?: Json;
      usage?: Usage;
      claimNext: { max?: number; waitSeconds?: number };
    },
    options: TaskCallOptions = {},
  ): Promise<CompleteAndClaimResult> {
    return this.http.data('POST', `/tasks/${segment(id)}/complete`, {
      body,
      retry: true,
      ...traced(options),
    });
  }

  /** Fails the attempt: retried after its backoff unless `retryable: false` or none are left. */
  fail(id: string, body: Fail, options: TaskCallOptions = {}): Promise<AttemptResult> {
    return this.http.data('POST', `/tasks/${segment(id)}/fail`, {
      body,
      retry: true,
      ...traced(options),
    });
  }
}
