import {
  AgentMeshConnectionError,
  AgentMeshError,
  NonRetryableError,
  namedFields,
  TaskAbortedError,
} from './errors';
import { backoffDelay, isRetryableStatus, sleep } from './retry';
import type { AgentMeshClient } from './client';
import type { TaskCallOptions } from './resources/tasks';
import type { ClaimedTask, Json, ProgressReport, Usage } from './types';

/**
 * A handler's result with what the attempt used: `return withUsage(output, usage)`. The usage
 * is sent with the completion (added to anything `ctx.reportUsage` collected). A plain return
 * value is the output, as always, whatever its fields.
 */
export class TaskResult {
  constructor(
    readonly output: unknown,
    readonly usage?: Usage,
  ) {}
}

export function withUsage(output: unknown, usage: Usage): TaskResult {
  return new TaskResult(output, usage);
}

/** Adds two reports: tokens and dollars summed, the later model kept. */
function addUsage(total: Usage | undefined, more: Usage): Usage {
  if (!total) return { ...more };
  const costUsd =
    total.costUsd === undefined && more.costUsd === undefined
      ? undefined
      : (total.costUsd ?? 0) + (more.costUsd ?? 0);
  const model = more.model ?? total.model;
  return {
    inputTokens: total.inputTokens + more.inputTokens,
    outputTokens: total.outputTokens + more.outputTokens,
    ...(costUsd === undefined ? {} : { costUsd }),
    ...(model === undefined ? {} : { model }),
  };
}

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** What a handler gets besides the task. */
export interface TaskContext {
  task: ClaimedTask;
  taskId: string;
  workflowId: string;
  stepKey: string;
  skill: string;
  attempt: number;
  /** The run's input (`task.input.input`). */
  input: Json;
  /** The outputs of the step's dependencies by step key (`task.input.dependencies`). */
  dependencies: Record<string, Json>;
  /** For an element of a fan-out step (`forEach`): its element (`task.input.item`). */
  item?: Json;
  /** For an element of a fan-out step: its place in the array, from 0 (`task.input.index`). */
  index?: number;
  /**
   * The W3C traceparent of this attempt's `invoke_agent` span, when the service exports
   * traces: continue it in the handler's own spans (the worker sends it with the task's calls).
   */
  traceparent?: string;
  /** Aborts when the lease is lost (run cancelled, task timed out) or the worker gives up. */
  signal: AbortSignal;
  /** Extends the lease now (the worker also does it at a third of the lease). */
  heartbeat(): Promise<void>;
  /**
   * Reports progress: `task.progress` in the run's history (live in its stream), coalesced by
   * the service to a few per second, the latest always. Extends the lease like `heartbeat`;
   * rejects with TaskAbortedError once the lease is lost.
   */
  progress(report: ProgressReport): Promise<void>;
  /**
   * Adds what a model call used to this attempt's usage, sent with its completion (summed into
   * the run's usage and checked against its budget). Call it once per model call; to count it
   * at once instead (a long task), send it with `progress({usage})`.
   */
  reportUsage(usage: Usage): void;
  log: Logger;
}

export type TaskHandler = (task: ClaimedTask, ctx: TaskContext) => unknown;

export type TaskEvent =
  | { kind: 'started'; task: ClaimedTask }
  | { kind: 'completed'; task: ClaimedTask; durationMs: number }
  | { kind: 'failed'; task: ClaimedTask; durationMs: number; error: Error; retryable: boolean }
  | { kind: 'abandoned'; task: ClaimedTask; reason: string };

interface Deps {
  client: AgentMeshClient;
  handler: TaskHandler | undefined;
  log: Logger;
  emit: (event: TaskEvent) => void;
  /** A call failed and will be tried again (logged, and a `warning` event). */
  warn: (message: string, error: unknown) => void;
  /** Aborted when the worker stops for good: retry loops end there. */
  forced: AbortSignal;
  /**
   * How many tasks the completion's own request should lease (`claimNext`): 0 for none. The
   * grant is held until `done()`, which the run calls once the answer's tasks are handed to
   * `onNext` (before this run is done) or the send failed.
   */
  claimNext?: () => Promise<NextGrant>;
  onNext?: (tasks: ClaimedTask[]) => void;
}

/** Slots a completion may fill with its `claimNext`, reserved until `done()`. */
export interface NextGrant {
  max: number;
  done(): void;
}

const child = (log: Logger, fields: Record<string, unknown>): Logger => ({
  debug: (m, f) => log.debug(m, { ...fields, ...f }),
  info: (m, f) => log.info(m, { ...fields, ...f }),
  warn: (m, f) => log.warn(m, { ...fields, ...f }),
  error: (m, f) => log.error(m, { ...fields, ...f }),
});

/** The least time a lease renewal is given, however little of the lease seems left. */
const RENEWAL_FLOOR_MS = 5_000;

/** One claimed task: its handler, its lease renewal, and its completion or failure. */
export class TaskRun {
  readonly controller = new AbortController();
  readonly done: Promise<void>;
  private timer: NodeJS.Timeout | undefined;
  private readonly renewal: { firstMs: number; everyMs: number };
  private renewed = false;
  /**
   * When the lease runs out, by this process's clock: a renewal is every third of it
   * (renewalTimes), counted from before the call that extended it.
   */
  private leaseEndsAt: number;
  private released = false;
  private renewing = true;
  private invalidReason = '';
  /** What the handler reported with `ctx.reportUsage`, not yet sent. */
  private usage: Usage | undefined;
  /** Options of every call on the task: its traceparent, so each joins the attempt's trace. */
  private readonly calls: TaskCallOptions;
  private readonly startedAt = Date.now();

  constructor(
    readonly task: ClaimedTask,
    private readonly deps: Deps,
  ) {
    this.renewal = renewalTimes(task);
    this.leaseEndsAt = Date.now() + 3 * this.renewal.firstMs;
    this.calls = task.traceparent ? { traceparent: task.traceparent } : {};
    this.done = this.execute();
  }

  /** The worker's grace period ended: tell the handler. */
  abort(reason: TaskAbortedError): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }

  /** The handler ignored its signal: give the task back so another agent takes it now. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.stopRenewal();
    const message = 'the worker stopped before the task finished';
    const given = await this.settle(() =>
      this.deps.client.tasks.fail(
        this.task.id,
        {
          leaseToken: this.task.leaseToken,
          error: { message, code: 'worker-shutdown' },
          retryable: true,
        },
        this.calls,
      ),
    ).catch(() => 'lost' as const);
    // Its handler's end is never reported (see execute): this is how the task ended.
    if (given === 'done') {
      const error = Object.assign(new Error(message), { code: 'worker-shutdown' });
      const durationMs = Date.now() - this.startedAt;
      this.deps.emit({ kind: 'failed', task: this.task, durationMs, error, retryable: true });
    }
  }

  private async execute(): Promise<void> {
    const { task, deps } = this;
    const started = this.startedAt;
    this.scheduleRenewal();
    deps.emit({ kind: 'started', task });
    let outcome: { ok: true; output: unknown } | { ok: false; error: Error };
    try {
      if (!deps.handler)
        throw new NonRetryableError(`no handler for skill "${task.skill}"`, { code: 'no-handler' });
      outcome = { ok: true, output: await deps.handler(task, this.context()) };
    } catch (error) {
      outcome = { ok: false, error: asError(error) };
    }
    this.stopRenewal();
    if (this.released) return;
    const reason = this.controller.signal.reason as TaskAbortedError | undefined;
    if (reason?.reason === 'lease-lost') {
      deps.emit({ kind: 'abandoned', task, reason: reason.message });
      return;
    }
    const durationMs = Date.now() - started;
    if (outcome.ok) {
      const result = outcome.output;
      const output = (result instanceof TaskResult ? result.output : result) as Json;
      const usage =
        result instanceof TaskResult && result.usage
          ? addUsage(this.usage, result.usage)
          : this.usage;
      // The send may lease the next tasks too. Sent again (its answer was lost), it is a
      // repeat: the service answers the tasks the lost answer leased, under their leases, so
      // none is stranded; the slots stay reserved for them until the answer comes.
      let grant: NextGrant | undefined;
      let asked = false;
      let completed: 'done' | 'lost' | 'invalid';
      try {
        completed = await this.settle(async () => {
          if (!asked) {
            grant = await deps.claimNext?.();
            asked = true;
          }
          if (!grant || grant.max === 0) {
            await deps.client.tasks.complete(
              task.id,
              { leaseToken: task.leaseToken, output, ...(usage ? { usage } : {}) },
              this.calls,
            );
            return;
          }
          const answer = await deps.client.tasks.completeAndClaimNext(
            task.id,
            {
              leaseToken: task.leaseToken,
              output,
              ...(usage ? { usage } : {}),
              claimNext: { max: grant.max, waitSeconds: 0 },
            },
            this.calls,
          );
          if (answer.next.tasks.length > 0) deps.onNext?.(answer.next.tasks);
        });
      } finally {
        grant?.done();
      }
      if (completed === 'invalid' && usage) {
        // The usage may be what was refused (tokens must be whole numbers): the output still
        // counts, without it.
        deps.warn(
          `task ${task.id}: the completion was refused (${this.invalidReason}); sent again without its usage`,
          undefined,
        );
        completed = await this.settle(() =>
          deps.client.tasks.complete(task.id, { leaseToken: task.leaseToken, output }, this.calls),
        );
      }
      if (completed === 'invalid') {
        outcome = {
          ok: false,
          error: new NonRetryableError(`the output could not be sent: ${this.invalidReason}`, {
            code: 'invalid-output',
          }),
        };
      } else {
        if (completed === 'done') deps.emit({ kind: 'completed', task, durationMs });
        return;
      }
    }
    const error = outcome.error;
    // A shutdown gives the task back to be tried again, whatever the handler threw.
    const retryable = reason?.reason === 'shutdown' || !(error instanceof NonRetryableError);
    // The shutdown's own abort, rethrown: given back as the worker does when it is ignored.
    const code =
      reason?.reason === 'shutdown' && error instanceof TaskAbortedError
        ? 'worker-shutdown'
        : (error as { code?: unknown }).code;
    const fail = (message: string) =>
      this.settle(() =>
        deps.client.tasks.fail(
          task.id,
          {
            leaseToken: task.leaseToken,
            error: {
              message,
              ...(typeof code === 'string' && code ? { code: sendable(code, 128) } : {}),
            },
            retryable,
          },
          this.calls,
        ),
      );
    let failed = await fail(sendable(error.message || error.name || 'handler failed', 4000));
    if (failed === 'invalid') {
      // Refused all the same: the task still fails now, with what can be said.
      failed = await fail(`the handler failed; its error was refused: ${this.invalidReason}`);
    }
    if (failed === 'done') deps.emit({ kind: 'failed', task, durationMs, error, retryable });
  }

  /**
   * Sends a completion or failure until the service answers: a service that is down or
   * restarting is waited out with backoff. A 409 means the lease is gone (abandoned); a 400, or
   * an output that cannot be sent as JSON at all, is `invalid`.
   */
  private async settle(send: () => Promise<unknown>): Promise<'done' | 'lost' | 'invalid'> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await send();
        return 'done';
      } catch (error) {
        if (error instanceof AgentMeshError && !isRetryableStatus(error.status)) {
          // 413: past the service's body limit; refused as a 400 is, never a lost lease.
          if (error.status === 400 || error.status === 413)
            return this.invalid(`${error.detail ?? error.title}${namedFields(error.errors)}`);
          this.deps.emit({ kind: 'abandoned', task: this.task, reason: error.message });
          return 'lost';
        }
        if (!(error instanceof AgentMeshError || error instanceof AgentMeshConnectionError)) {
          return this.invalid((error as Error).message); // e.g. a circular or BigInt output
        }
        if (this.deps.forced.aborted) return 'lost';
        this.deps.warn(`could not report task ${this.task.id}; retrying`, error);
        const asked = error instanceof AgentMeshError ? error.retryAfterMs : undefined;
        await sleep(asked ?? backoffDelay(attempt, { maxDelayMs: 5_000 }), this.deps.forced).catch(
          () => undefined,
        );
      }
    }
  }

  private invalid(reason: string): 'invalid' {
    this.invalidReason = reason;
    return 'invalid';
  }

  private context(): TaskContext {
    const { task } = this;
    const input = (task.input ?? {}) as {
      input?: Json;
      dependencies?: Record<string, Json>;
      item?: Json;
      index?: number;
    };
    const element = typeof input.index === 'number' ? { item: input.item, index: input.index } : {};
    return {
      task,
      taskId: task.id,
      workflowId: task.workflowId,
      stepKey: task.stepKey,
      skill: task.skill,
      attempt: task.attempt,
      input: input.input ?? null,
      dependencies: input.dependencies ?? {},
      ...element,
      ...(task.traceparent ? { traceparent: task.traceparent } : {}),
      signal: this.controller.signal,
      heartbeat: () => this.renew(),
      progress: (report) => this.renew(report),
      reportUsage: (usage) => {
        this.usage = addUsage(this.usage, usage);
      },
      log: child(this.deps.log, { taskId: task.id, stepKey: task.stepKey, attempt: task.attempt }),
    };
  }

  private scheduleRenewal(): void {
    if (this.timer) clearTimeout(this.timer);
    // Until a renewal got through, the lease is what the claim left of it.
    const delay = this.renewed ? this.renewal.everyMs : this.renewal.firstMs;
    this.timer = setTimeout(() => {
      this.renew().catch(() => undefined);
    }, delay);
  }

  /** For good: the handler has returned, or the lease is lost. */
  private stopRenewal(): void {
    this.renewing = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** A heartbeat, or a progress report (which extends the lease the same way). */
  private async renew(report?: ProgressReport): Promise<void> {
    const lost = this.controller.signal.reason as TaskAbortedError | undefined;
    if (lost?.reason === 'lease-lost') throw lost;
    const sent = Date.now();
    // A renewal still waiting when the lease runs out (out a 429's Retry-After, for an
    // unreachable service) gives up then: the service may have given the task to another
    // agent, and the handler must not go on working it beside that one. One try is always
    // made (RENEWAL_FLOOR_MS): a lease just past may not have been taken back yet.
    const deadline = AbortSignal.timeout(Math.max(RENEWAL_FLOOR_MS, this.leaseEndsAt - sent));
    const calls = { ...this.calls, signal: deadline };
    try {
      if (report) {
        await this.deps.client.tasks.progress(
          this.task.id,
          { ...report, leaseToken: this.task.leaseToken },
          calls,
        );
      } else {
        await this.deps.client.tasks.heartbeat(this.task.id, this.task.leaseToken, calls);
      }
      this.renewed = true;
      this.leaseEndsAt = sent + 3 * this.renewal.everyMs;
    } catch (error) {
      const gone =
        error instanceof AgentMeshError && (error.status === 409 || error.status === 404);
      if (gone || deadline.aborted) {
        const why = gone
          ? `is lost: ${error.detail ?? error.title}`
          : 'ran out before it could be renewed';
        const reason = new TaskAbortedError(
          'lease-lost',
          `the lease of task ${this.task.id} ${why}`,
          { cause: error },
        );
        this.stopRenewal();
        this.abort(reason);
        throw reason;
      }
      if (!(error instanceof AgentMeshConnectionError || error instanceof AgentMeshError))
        throw error;
      // A progress report the service refuses (a percent past 100, data past 16 KiB): the
      // handler hears of it; the lease itself is fine and keeps being renewed.
      if (
        report &&
        error instanceof AgentMeshError &&
        (error.status === 400 || error.status === 413)
      )
        throw error;
      // Unreachable or busy: the next renewal, a third of a lease later, may get through.
      this.deps.warn(`lease renewal of task ${this.task.id} failed; retrying`, error);
    } finally {
      if (this.renewing) this.scheduleRenewal();
    }
  }
}

/**
 * When a task's lease is renewed: every third of the lease, by the service's clock
 * (`leaseSeconds`), so an agent whose clock is off renews in time all the same. The first
 * renewal comes sooner when `leaseExpiresAt` leaves less (a claim answered again later, or a
 * clock a little ahead); after it the service's lease is whole again, and so is the interval.
 */
export function renewalTimes(
  task: Pick<ClaimedTask, 'leaseExpiresAt'> & { leaseSeconds?: number },
  now = Date.now(),
): { firstMs: number; everyMs: number } {
  const left = Date.parse(task.leaseExpiresAt) - now;
  const length =
    typeof task.leaseSeconds === 'number' && task.leaseSeconds > 0
      ? task.leaseSeconds * 1000
      : 30_000;
  // Nothing left right after a claim means a clock ahead of the service's, not a lost lease.
  const first = Number.isFinite(left) && left > 0 ? Math.min(length, left) : length;
  return {
    firstMs: Math.max(300, Math.floor(first / 3)),
    everyMs: Math.max(300, Math.floor(length / 3)),
  };
}

/**
 * A message the service takes: no NUL, no lone UTF-16 surrogate (what a cut through a pair
 * leaves), at most `max` code units, cut between characters.
 */
function sendable(text: string, max: number): string {
  let clean = text.replace(/\u0000/g, ' ').replace(/\p{Cs}/gu, '\uFFFD');
  if (clean.length > max) {
    clean = clean.slice(0, max);
    if (/[\uD800-\uDBFF]$/.test(clean)) clean = clean.slice(0, -1);
  }
  return clean;
}

/** What a handler threw, as an Error: a thrown `{message, code}` keeps both. */
function asError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  if (typeof thrown === 'object' && thrown !== null) {
    const { message, code } = thrown as { message?: unknown; code?: unknown };
    let text = typeof message === 'string' && message ? message : undefined;
    if (text === undefined) {
      try {
        text = JSON.stringify(thrown);
      } catch {
        text = `a thrown ${thrown.constructor?.name ?? 'object'}`; // circular, or BigInt inside
      }
    }
    const error = new Error(text);
    if (typeof code === 'string') Object.assign(error, { code });
    return error;
  }
  return new Error(String(thrown));
}
