import { AgentMeshClient } from './client';
import { AgentMeshConnectionError, AgentMeshError, TaskAbortedError } from './errors';
import type { FetchLike, RetryInfo } from './http';
import { backoffDelay, sleep, type RetryOptions } from './retry';
import { TaskRun, type Logger, type NextGrant, type TaskEvent, type TaskHandler } from './task-run';
import type { Agent, AgentRegistration, ClaimedTask } from './types';

export type WorkerState = 'idle' | 'starting' | 'running' | 'draining' | 'stopped';

export interface WorkerOptions {
  baseUrl: string;
  /**
   * An agent-bound key with `tasks:work` and `agents:write`; `tasks:work` alone with
   * `register: false`.
   */
  apiKey: string;
  /** The agent this worker is; skills default to one per handler. */
  agent: { id: string; name?: string } & Partial<AgentRegistration>;
  /**
   * Registers (upserts) the agent on start, declaring its skills (default true). False for an
   * agent an operator registered, whose key has `tasks:work` only: the worker beats to check
   * it exists, then claims the skills the operator gave it (a task of a skill without a
   * handler fails, not retried, `no-handler`).
   */
  register?: boolean;
  /** One function per skill id: its return value completes the task. */
  handlers: Record<string, TaskHandler>;
  /** Tasks run at once (default 1). */
  concurrency?: number;
  /**
   * Long-poll wait of a claim, 0-30 whole seconds (default 20). 0 polls: a claim answered
   * with nothing is asked again a second later.
   */
  pollSeconds?: number;
  /** How long `stop()` lets in-flight handlers finish (default 30 s). */
  shutdownGraceMs?: number;
  /** Drain and exit 0 on SIGTERM and SIGINT (default false). */
  handleSignals?: boolean;
  logger?: Logger;
  retry?: RetryOptions | false;
  fetch?: FetchLike;
}

export type WorkerEvent =
  | TaskEvent
  | { kind: 'state'; state: WorkerState }
  | { kind: 'retry'; info: RetryInfo }
  | { kind: 'warning'; message: string; error?: unknown };

/** With pollSeconds 0, the pause after a claim that found nothing. */
const POLL_PAUSE_MS = 1_000;

const consoleLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (message, fields) => console.warn(`[agentmesh] ${message}`, fields ?? ''),
  error: (message, fields) => console.error(`[agentmesh] ${message}`, fields ?? ''),
};

/**
 * Runs an agent: upserts it, beats on its interval, long-polls claims for free slots, renews
 * leases, completes or fails tasks from the handlers' results; `stop()` drains.
 * starting → running → draining → stopped; the timers live here and are cleared in `stop()`.
 */
export class Worker {
  readonly client: AgentMeshClient;
  private stateValue: WorkerState = 'idle';
  private readonly concurrency: number;
  private readonly pollSeconds: number;
  private readonly log: Logger;
  private readonly listeners = new Set<(event: WorkerEvent) => void>();
  private readonly running = new Map<string, TaskRun>();
  /** Aborted by stop(): ends the startup wait, the claim long-poll and the pauses. */
  private readonly lifecycle = new AbortController();
  /** Aborted when stop() gives up on in-flight work. */
  private readonly forced = new AbortController();
  private claimAbort: AbortController | undefined;
  private claimLoop: Promise<void> | undefined;
  private beatTimer: NodeJS.Timeout | undefined;
  private beatIntervalMs = 10_000;
  private slotWaiters: Array<() => void> = [];
  /** Slots a completion's claimNext is filling: the claim loop leaves them alone. */
  private reserved = 0;
  /** Completions of this tick waiting to learn how many tasks they lease (see `grantNext`). */
  private nextAsks: Array<(grant: NextGrant) => void> = [];
  private stopping: Promise<void> | undefined;
  private readonly onSignal = () => {
    void this.stop().then(() => process.exit(0));
  };

  constructor(private readonly options: WorkerOptions) {
    const concurrency = options.concurrency ?? 1;
    // NaN (a variable unset) or Infinity would make every slot check pass: no limit at all.
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`concurrency must be a whole number of at least 1 (got ${concurrency})`);
    }
    this.concurrency = concurrency;
    const pollSeconds = options.pollSeconds ?? 20;
    // NaN, or a fraction rounded down to 0, made an idle worker claim in a tight loop.
    if (!Number.isInteger(pollSeconds) || pollSeconds < 0 || pollSeconds > 30) {
      throw new RangeError(`pollSeconds must be a whole number from 0 to 30 (got ${pollSeconds})`);
    }
    this.pollSeconds = pollSeconds;
    this.log = options.logger ?? consoleLogger;
    this.client = new AgentMeshClient({
      baseUrl: options.baseUrl,
      apiKey: options.apiKey,
      retry: options.retry,
      fetch: options.fetch,
      onRetry: (info) => this.emit({ kind: 'retry', info }),
    });
  }

  get state(): WorkerState {
    return this.stateValue;
  }

  get inFlight(): number {
    return this.running.size;
  }

  /** Listens to task, state, retry and warning events (logs, metrics); returns an unsubscribe. */
  on(listener: (event: WorkerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Registers the agent (waiting out a service that is down) and starts working. */
  async start(): Promise<void> {
    if (this.stateValue !== 'idle') throw new Error(`the worker is ${this.stateValue}`);
    this.setState('starting');
    if (this.options.handleSignals) {
      process.once('SIGTERM', this.onSignal);
      process.once('SIGINT', this.onSignal);
    }
    if (this.options.register === false) return this.startRegistered();
    const agent = await this.untilReachable(() => this.register());
    if (!agent) return; // stopped while starting
    if (this.lifecycle.signal.aborted) {
      // Stopped while the registration was on its way: the agent it made says it is draining
      // (no worker is behind it), and nothing starts.
      await this.beat().catch(() => undefined);
      return;
    }
    const missing = agent.skills
      .map((skill) => skill.id)
      .filter((id) => !this.options.handlers[id]);
    if (missing.length > 0) {
      await this.stop();
      throw new Error(`no handler for skill(s) ${missing.join(', ')} of agent ${agent.id}`);
    }
    this.beatIntervalMs = agent.heartbeatIntervalSeconds * 1000;
    this.setState('running');
    // A previous process with this agent id may have left it draining (an upsert keeps the
    // status): this one is healthy, and says so before its first claim.
    if (agent.status === 'draining') await this.beat();
    this.scheduleBeat();
    this.claimLoop = this.runClaims();
  }

  /** `register: false`: the agent exists already; a healthy beat says so, or rejects (404). */
  private async startRegistered(): Promise<void> {
    const beat = await this.untilReachable(() =>
      this.client.agents.heartbeat(this.options.agent.id, {
        status: 'healthy',
        inFlight: 0,
        load: 0,
      }),
    );
    if (!beat) return; // stopped while starting
    if (this.lifecycle.signal.aborted) {
      await this.beat().catch(() => undefined);
      return;
    }
    this.beatIntervalMs = beat.nextHeartbeatSeconds * 1000;
    this.setState('running');
    this.scheduleBeat();
    this.claimLoop = this.runClaims();
  }

  /**
   * Drains: beats `draining`, stops claiming, lets in-flight handlers finish within the grace
   * period, then aborts their signals and gives their tasks back (each fails its attempt as
   * retryable: it counts against the step's maxAttempts).
   */
  stop(options: { graceMs?: number } = {}): Promise<void> {
    this.stopping ??= this.drain(options.graceMs ?? this.options.shutdownGraceMs ?? 30_000);
    return this.stopping;
  }

  private async drain(graceMs: number): Promise<void> {
    const registered = this.stateValue === 'running';
    if (this.stateValue !== 'stopped') this.setState('draining');
    this.lifecycle.abort();
    this.claimAbort?.abort();
    this.wakeSlots();
    // Within the grace period: a beat waiting out a 429's Retry-After would hold stop() past it.
    if (registered)
      await this.beat(AbortSignal.timeout(Math.max(1, graceMs))).catch(() => undefined);
    await this.claimLoop;
    // Until none is left: a completion may have leased a next task meanwhile (claimNext).
    const settled = async () => {
      while (this.running.size > 0) {
        await Promise.all([...this.running.values()].map((run) => run.done));
      }
    };
    const finished = await Promise.race([settled().then(() => true), delay(graceMs, false)]);
    if (!finished) {
      for (const run of this.running.values()) {
        run.abort(new TaskAbortedError('shutdown', 'the worker is stopping'));
      }
      const after = await Promise.race([
        settled().then(() => true),
        delay(Math.min(graceMs, 2_000), false),
      ]);
      if (!after) {
        this.forced.abort();
        await Promise.all([...this.running.values()].map((run) => run.release()));
      }
    }
    if (this.beatTimer) clearTimeout(this.beatTimer);
    this.beatTimer = undefined;
    this.releaseSignals();
    this.setState('stopped');
  }

  private register(): Promise<Agent> {
    const { id, name, skills, ...rest } = this.options.agent;
    return this.client.agents.upsert(id, {
      ...rest,
      name: name ?? id,
      skills:
        skills ?? Object.keys(this.options.handlers).map((skill) => ({ id: skill, name: skill })),
    });
  }

  private async beat(signal?: AbortSignal): Promise<void> {
    const inFlight = this.running.size;
    try {
      const result = await this.client.agents.heartbeat(
        this.options.agent.id,
        {
          status:
            this.stateValue === 'draining' || this.stateValue === 'stopped'
              ? 'draining'
              : 'healthy',
          inFlight,
          load: Math.min(1, inFlight / this.concurrency),
        },
        { signal },
      );
      this.beatIntervalMs = result.nextHeartbeatSeconds * 1000;
    } catch (error) {
      if (
        error instanceof AgentMeshError &&
        error.status === 404 &&
        this.stateValue === 'running' &&
        this.options.register !== false
      ) {
        // Deregistered meanwhile: come back; failing that, the next beat tries again. (An
        // agent the operator registers is theirs to register again.)
        await this.register().catch((failed: unknown) =>
          this.warn('registering the agent again failed; the next beat tries again', failed),
        );
        return;
      }
      this.warn('agent heartbeat failed', error);
    }
  }

  private scheduleBeat(): void {
    this.beatTimer = setTimeout(() => {
      void this.beat().finally(() => {
        if (this.stateValue === 'running') this.scheduleBeat();
      });
    }, this.beatIntervalMs);
  }

  private async runClaims(): Promise<void> {
    let failures = 0;
    let quickEmpty = 0;
    while (this.stateValue === 'running') {
      if (this.running.size + this.reserved >= this.concurrency) {
        await new Promise<void>((wake) => this.slotWaiters.push(wake));
        continue;
      }
      this.claimAbort = new AbortController();
      const startedAt = Date.now();
      let tasks: ClaimedTask[];
      try {
        tasks = await this.client.tasks.claim(
          this.options.agent.id,
          {
            max: Math.min(10, this.concurrency - this.running.size - this.reserved),
            waitSeconds: this.pollSeconds,
          },
          { signal: this.claimAbort.signal },
        );
        failures = 0;
      } catch (error) {
        if (this.stateValue !== 'running') break;
        failures += 1;
        this.warn('claim failed', error);
        if (
          error instanceof AgentMeshError &&
          error.status === 404 &&
          this.options.register !== false
        ) {
          await this.register().catch(() => undefined);
        } else if (error instanceof AgentMeshError && error.code === 'agent-draining') {
          // The service has this agent draining (a beat of another process with its id, or an
          // operator): we are running, so say so, and back off before claiming again.
          await this.beat();
        }
        const asked = error instanceof AgentMeshError ? error.retryAfterMs : undefined;
        await this.pause(asked ?? backoffDelay(failures, { maxDelayMs: 10_000 }));
        continue;
      }
      for (const task of tasks) this.runTask(task);
      // Polling (pollSeconds 0): nothing now, so ask again after a pause, not at once.
      if (tasks.length === 0 && this.pollSeconds === 0) {
        await this.pause(POLL_PAUSE_MS);
        continue;
      }
      // An empty answer long before the wait ended: the service sees this agent as draining or
      // offline. Beat to come back, and back off so this never becomes a busy loop.
      if (
        tasks.length === 0 &&
        this.pollSeconds > 0 &&
        Date.now() - startedAt < this.pollSeconds * 500
      ) {
        quickEmpty += 1;
        await this.beat();
        await this.pause(backoffDelay(quickEmpty, { maxDelayMs: 5_000 }));
      } else quickEmpty = 0;
    }
  }

  private runTask(task: ClaimedTask): void {
    const run = new TaskRun(task, {
      client: this.client,
      handler: this.options.handlers[task.skill],
      log: this.log,
      emit: (event) => this.emit(event),
      warn: (message, error) => this.warn(message, error),
      forced: this.forced.signal,
      claimNext: () => this.askNext(),
      onNext: (next) => {
        for (const claimed of next) this.runTask(claimed);
      },
    });
    this.running.set(task.id, run);
    void run.done.finally(() => {
      this.running.delete(task.id);
      this.wakeSlots();
    });
  }

  /**
   * A completing task asks how many tasks its completion should lease. The asks of one tick
   * (handlers that finished together) are answered together, on the next turn of the event
   * loop: the last of them leases one task per slot they all free (at most 10), the others
   * none, so k tasks that finish together cost one claim, not k. Only the asking tasks' own
   * slots are granted (a claim of the loop may be out for the others), and they stay reserved
   * until the answer's tasks are running: together they never lease more than `concurrency`.
   */
  private askNext(): Promise<NextGrant> {
    if (this.stateValue !== 'running') return Promise.resolve({ max: 0, done: () => undefined });
    return new Promise((resolve) => {
      this.nextAsks.push(resolve);
      if (this.nextAsks.length === 1) setImmediate(() => this.grantNext());
    });
  }

  private grantNext(): void {
    const asks = this.nextAsks;
    this.nextAsks = [];
    const max = this.stateValue === 'running' ? Math.min(10, asks.length) : 0;
    this.reserved += max;
    let released = false;
    const done = () => {
      if (released) return;
      released = true;
      this.reserved -= max;
      this.wakeSlots();
    };
    asks.forEach((resolve, index) =>
      resolve(index === asks.length - 1 ? { max, done } : { max: 0, done: () => undefined }),
    );
  }

  /** Calls `fn` until the service answers (backoff on network errors, 429 and 503). */
  private async untilReachable<T>(fn: () => Promise<T>): Promise<T | undefined> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await fn();
      } catch (error) {
        const transient =
          error instanceof AgentMeshConnectionError ||
          (error instanceof AgentMeshError && [429, 502, 503, 504].includes(error.status));
        if (!transient) {
          this.releaseSignals();
          this.setState('stopped');
          throw error;
        }
        if (this.lifecycle.signal.aborted) return undefined;
        this.warn('the service is not reachable yet; waiting', error);
        const asked = error instanceof AgentMeshError ? error.retryAfterMs : undefined;
        await this.pause(asked ?? backoffDelay(attempt, { maxDelayMs: 10_000 }));
        if (this.lifecycle.signal.aborted) return undefined;
      }
    }
  }

  private releaseSignals(): void {
    process.off('SIGTERM', this.onSignal);
    process.off('SIGINT', this.onSignal);
  }

  private pause(ms: number): Promise<void> {
    return sleep(ms, this.lifecycle.signal).catch(() => undefined);
  }

  private wakeSlots(): void {
    const waiters = this.slotWaiters;
    this.slotWaiters = [];
    for (const wake of waiters) wake();
  }

  private setState(state: WorkerState): void {
    this.stateValue = state;
    this.emit({ kind: 'state', state });
  }

  private warn(message: string, error: unknown): void {
    const described = error instanceof Error ? error.message : String(error);
    // A warning with no error to name (a completion sent again without its usage) has none.
    this.log.warn(message, error === undefined ? {} : { error: described });
    this.emit({ kind: 'warning', message, error });
  }

  private emit(event: WorkerEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.log.error('a worker event listener threw', { error: (error as Error).message });
      }
    }
  }
}

function delay<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms).unref());
}
