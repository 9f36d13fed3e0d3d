import { Injectable, Logger } from '@nestjs/common';
import { Span, SpanKind } from '@opentelemetry/api';
import canonicalize from 'canonicalize';
import { hash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ActivityBeats } from '../agents/activity-beats';
import { AgentsService } from '../agents/agents.service';
import { currentTenantId, RequestContext, requestContext } from '../common/context/request-context';
import { KeyChanges } from '../auth/key-changes';
import { ConflictError, TooLargeError } from '../common/errors/domain-error';
import { currentTraceparent, linksTo, markSpan, withSpan } from '../common/tracing/trace-context';
import type { AppConfig } from '../config/config';
import { InjectConfig } from '../config/config.module';
import { isStatementTimeout, isValueTooLarge } from '../database/database-errors';
import { Transaction, UnitOfWork } from '../database/unit-of-work';
import { ShutdownState } from '../health/shutdown-state';
import { Batcher, Settled, settled } from '../common/workers/batcher';
import { Holder, TaskError, WorkflowEngine } from './engine';
import { RunTraces } from './run-traces';
import { ProgressWriter } from './progress-writer';
import { TaskWaiters } from './task-waiters';
import { ClaimWaits } from './claim-waits';
import { batchSizes } from './workflow-metrics';
import { RunRow, TASK_COLUMNS, TaskRow } from './workflow-rows';
import { AgentDrainingError, TaskNotFoundError, WorkflowErrorCode } from './workflows.errors';
import { AgentNotFoundError } from '../agents/agents.errors';
import { BudgetsService } from './usage/budgets.service';
import type { UsageReport } from './usage/usage';
import type { UsageEntry } from './usage/usage-ledger';

export interface ClaimedTask {
  id: string;
  workflowId: string;
  stepKey: string;
  skill: string;
  input: unknown;
  attempt: number;
  leaseToken: string;
  leaseExpiresAt: string;
  /**
   * The lease's length (TASK_LEASE_SECONDS): what a heartbeat extends it to. An agent times its
   * renewals from this, not from `leaseExpiresAt` against its own clock, which may be off.
   */
  leaseSeconds: number;
  /** The attempt's `invoke_agent` span, for the agent to continue (tracing on). */
  traceparent?: string;
}

/** What complete and fail answer, the same on a repeat: the outcome of the holder's attempt. */
export interface AttemptResult {
  id: string;
  workflowId: string;
  stepKey: string;
  attempt: number;
  status: 'succeeded' | 'failed';
  willRetry: boolean;
}

/**
 * Claims and completions arriving together share a transaction (group commit): at most this
 * many in one, and this many such transactions of each kind at once.
 */
const COMPLETION_BATCH = 100;
const BATCH_CONCURRENCY = 2;

/** A claim woken for a refill looks this long after the tokens are due (clocks, rounding). */
const REFILL_MARGIN_MS = 25;

type ClaimAnswer = Awaited<ReturnType<WorkflowEngine['claimAlone']>>;

/** A completion's answer (the same for a repeat), and the agent that held the task (who claims next). */
interface Completed {
  result: AttemptResult;
  agentId: string | null;
}

/** A task read under its row lock by a holder's call. */
type LockedTask = TaskRow & { leaseLive: boolean };

const hashOf = (value: unknown): string => hash('sha256', canonicalize(value) ?? 'null', 'hex');

/** Agents' side of tasks: claim (with long-poll), heartbeat, complete, fail. */
/**
 * How many times DB_STATEMENT_TIMEOUT_MS a completion's second try has when its first ran out
 * of time putting outputs together (see `completeAll`): 50 s by default, enough for the 256 MB
 * of text PostgreSQL holds in one value, or some 30 MB of small numbers.
 */
export const FINISH_TIMEOUT_FACTOR = 10;

@Injectable()
export class TasksService {
  private readonly logger = new Logger(TasksService.name);
  private readonly completions = new Batcher<Holder, Completed>({
    run: (holders) => this.completeAll(holders),
    maxBatch: COMPLETION_BATCH,
    concurrency: BATCH_CONCURRENCY,
    retryAlone: true,
  });

  constructor(
    private readonly dataSource: DataSource,
    private readonly unitOfWork: UnitOfWork,
    private readonly engine: WorkflowEngine,
    private readonly agents: AgentsService,
    private readonly waiters: TaskWaiters,
    private readonly progress: ProgressWriter,
    private readonly shutdown: ShutdownState,
    @InjectConfig() private readonly config: AppConfig,
    private readonly runTraces: RunTraces,
    private readonly budgets: BudgetsService,
    private readonly claimWaits: ClaimWaits,
    private readonly keyChanges: KeyChanges,
    private readonly activity: ActivityBeats,
  ) {}

  /**
   * Claims up to `max` tasks for the agent, waiting up to `waitSeconds` for some to be queued.
   * A claim from an agent marked offline brings it back online (a beat); a draining agent's
   * claim is refused at once (409 agent-draining), so its worker knows to stop claiming.
   * `signal` aborts the wait when the client has gone; tasks claimed while it went (their
   * answer has no one to go to) are put back in the queue at once.
   */
  claim(
    agentId: string,
    max: number,
    waitSeconds: number,
    signal?: AbortSignal,
    after: string | null = null,
  ): Promise<ClaimedTask[]> {
    return withSpan(
      'task.claim',
      { attributes: { 'gen_ai.agent.id': agentId, 'agentmesh.claim.max': max } },
      async (span) => {
        const { tasks: claimed, held } = await this.claimWaiting(
          agentId,
          max,
          waitSeconds,
          signal,
          after,
        );
        // What an earlier request of the name leased is its answer as much as this one's.
        const tasks = signal?.aborted && !held ? await this.putBack(claimed) : claimed;
        span?.setAttribute('agentmesh.claim.count', tasks.length);
        return span && tasks.length > 0 ? this.handOff(agentId, tasks) : tasks;
      },
    );
  }

  /**
   * A claim the client named (`claimId`), so that it can send it again when the answer is lost:
   * sent again, it answers the tasks the first one leased while the agent still holds them
   * (with their leases, as the first answer had them), and claims anew, under the same name,
   * only when it holds none of them; sent again while the first still waits, the two lease
   * once between them (see WorkflowEngine.claimAlone). The leased tasks record the name
   * (`claimed_after`, which for a claimNext names the completed task).
   */
  async claimNamed(
    agentId: string,
    claimId: string,
    max: number,
    waitSeconds: number,
    signal?: AbortSignal,
  ): Promise<ClaimedTask[]> {
    return this.claim(agentId, max, waitSeconds, signal, claimId);
  }

  /**
   * Tasks claimed for a client that hung up meanwhile: queued again (see WorkflowEngine.putBack)
   * rather than held until their leases expire. Answers what is left to answer: none, or, when
   * putting them back failed (logged), the tasks, whose leases then expire as before.
   */
  private async putBack(tasks: ClaimedTask[]): Promise<ClaimedTask[]> {
    if (tasks.length === 0) return tasks;
    const tenantId = currentTenantId();
    try {
      await this.unitOfWork.run((tx) => this.engine.putBack(tx, tenantId, tasks));
      return [];
    } catch (error) {
      this.logger.warn(
        `Tasks claimed for a client that hung up were not put back (their leases will expire): ${(error as Error).message}`,
      );
      return tasks;
    }
  }

  /**
   * GenAI semantic conventions: each claimed attempt is an `invoke_agent` span in the trace of
   * its run (linked to this claim), and the agent gets its traceparent to continue.
   */
  private async handOff(agentId: string, tasks: ClaimedTask[]): Promise<ClaimedTask[]> {
    const runs = await this.runTraces.of(
      currentTenantId(),
      tasks.map((task) => task.workflowId),
    );
    const claim = currentTraceparent();
    return tasks.map((task) => {
      const traceparent = markSpan(`invoke_agent ${task.skill}`, {
        kind: SpanKind.CLIENT,
        parent: runs.get(task.workflowId) ?? undefined,
        links: linksTo([claim]),
        attributes: {
          'gen_ai.operation.name': 'invoke_agent',
          'gen_ai.agent.id': agentId,
          'agentmesh.task.id': task.id,
          'agentmesh.task.skill': task.skill,
          'agentmesh.task.attempt': task.attempt,
          'agentmesh.workflow.run_id': task.workflowId,
        },
      });
      return traceparent ? { ...task, traceparent } : task;
    });
  }

  private async claimWaiting(
    agentId: string,
    max: number,
    waitSeconds: number,
    signal: AbortSignal | undefined,
    after: string | null,
  ): Promise<{ tasks: ClaimedTask[]; held?: true }> {
    this.agents.assertActsAs(agentId);
    const tenantId = currentTenantId();
    // The key was valid when the request began: a wait ends when it is revoked, rotated or
    // changed (any replica), or expires, and hands out nothing after that. The answer is empty;
    // the client's next request authenticates again.
    const context = requestContext.get();
    const expiresAt = context?.apiKeyExpiresAt ?? Infinity;
    const deadline = Math.min(Date.now() + waitSeconds * 1000, expiresAt);
    const key = context?.apiKeyId ? this.keyChanges.watch(context.apiKeyId, signal) : undefined;
    const waitSignal = key?.signal ?? signal;
    let waitingSince: Date | undefined;
    try {
      for (;;) {
        if (this.stopping || signal?.aborted || key?.changed || Date.now() >= expiresAt) {
          return { tasks: [] };
        }
        const tasks = await this.claimOrWait(
          tenantId,
          agentId,
          max,
          after,
          deadline,
          waitSignal,
          async () => {
            waitingSince = await this.claimWaits.begin(tenantId, agentId, deadline);
          },
        );
        if (tasks !== 'again') return tasks;
      }
    } finally {
      key?.dispose();
      if (waitingSince) this.claimWaits.end(tenantId, agentId, waitingSince);
    }
  }

  /**
   * One claim, and the wait after it when it found nothing: the tasks claimed, [] when the
   * wait ends without work, or 'again' to look again; `held` when a named claim is answered
   * with what an earlier request of its name leased. `waiting` records the agent as waiting
   * (outcome routing draws among waiting agents, and takes a winner off) each time it waits.
   */
  private async claimOrWait(
    tenantId: string,
    agentId: string,
    max: number,
    after: string | null,
    deadline: number,
    signal: AbortSignal | undefined,
    waiting: () => Promise<void>,
  ): Promise<{ tasks: ClaimedTask[]; held?: true } | 'again'> {
    // Registered before the claim looks, so a task queued meanwhile is not missed: for any
    // skill until the claim, which reads the agent, tells which are the agent's.
    const waiter = this.waiters.register(tenantId, null, agentId);
    try {
      const { profile, tasks, tokensInMs, held } = await this.claimOnce(
        tenantId,
        agentId,
        max,
        after,
      );
      if (held) return { tasks: tasks.map((task) => this.toClaimed(task)), held };
      if (!profile) throw new AgentNotFoundError(agentId);
      if (profile.status === 'draining') throw new AgentDrainingError(agentId);
      if (profile.status === 'offline') {
        // Online again: brought back by this claim, or by what changed its status first (a
        // beat): either way the claim looks again, which a drain since then refuses. It does not
        // end empty-handed for having lost that race while tasks are queued.
        await this.agents.comeBackOnline(agentId);
        return 'again';
      }
      // A claim is the agent's sign of life too (see ActivityBeats).
      this.activity.touch(tenantId, agentId);
      waiter.narrow(profile.skills);
      if (tasks.length > 0) return { tasks: tasks.map((task) => this.toClaimed(task)) };
      if (!this.canWork(profile) || Date.now() >= deadline) return { tasks: [] };
      await waiting();
      // A rate limit holding a task back: look again when its tokens return (no commit
      // announces a refill), or earlier if work is announced.
      const refill = tokensInMs === null ? Infinity : Date.now() + tokensInMs + REFILL_MARGIN_MS;
      const reason = await waiter.until(Math.min(deadline, refill), signal);
      if (reason === 'timeout' && refill < deadline) return 'again';
      if (reason !== 'work') return { tasks: [] };
      return 'again';
    } finally {
      waiter.dispose();
    }
  }

  /**
   * One look at the queue: one statement with its audit entries and events (see
   * claim-statement.ts). Claims take no Idempotency-Key (a lease is not a repeatable answer),
   * so no key has to be marked in a transaction of ours.
   */
  private claimOnce(
    tenantId: string,
    agentId: string,
    max: number,
    after: string | null,
  ): Promise<ClaimAnswer> {
    batchSizes.observe({ kind: 'claim' }, 1);
    return this.engine.claimAlone(tenantId, agentId, max, this.config.taskLeaseSeconds, after);
  }

  /**
   * Extends the lease of the current holder: one UPDATE, no audit entry (not a transition). An
   * expired lease is not revived, even before the reaper has timed the task out.
   */
  async heartbeat(
    taskId: string,
    leaseToken: string,
  ): Promise<{ id: string; leaseExpiresAt: string }> {
    const tenantId = currentTenantId();
    // One statement, no transaction of ours: heartbeats are frequent and change no state.
    const [rows]: [Array<{ leaseExpiresAt: Date; agentId: string }>] = await this.dataSource.query(
      `UPDATE workflow_tasks
          SET lease_expires_at = now() + make_interval(secs => $4)
        WHERE tenant_id = $1 AND id = $2 AND status = 'claimed' AND lease_token = $3
          AND lease_expires_at > now() AND ($5::varchar IS NULL OR agent_id = $5)
        RETURNING lease_expires_at AS "leaseExpiresAt", agent_id AS "agentId"`,
      [tenantId, taskId, leaseToken, this.config.taskLeaseSeconds, this.boundAgent()],
    );
    if (rows.length > 0) {
      // The agent working the task is alive (see ActivityBeats).
      this.activity.touch(tenantId, rows[0].agentId);
      return { id: taskId, leaseExpiresAt: new Date(rows[0].leaseExpiresAt).toISOString() };
    }
    const task = await this.unitOfWork.run((tx) => this.find(tx, tenantId, taskId));
    throw notHolder(task, leaseToken);
  }

  /**
   * Completions arriving together share one transaction (see `completeAll`): under load a
   * wide run's siblings, which queue on its lock anyway, cost one lock and one write.
   */
  async complete(
    taskId: string,
    leaseToken: string,
    output: unknown,
    usage?: UsageReport,
  ): Promise<AttemptResult> {
    return (await this.completeTraced(taskId, leaseToken, output, usage)).result;
  }

  /** `task.complete`, linked to the run's trace when the agent did not continue it. */
  private completeTraced(
    taskId: string,
    leaseToken: string,
    output: unknown,
    usage: UsageReport | undefined,
  ) {
    return withSpan(
      'task.complete',
      { attributes: { 'agentmesh.task.id': taskId } },
      async (span) => {
        const completed = await this.submitCompletion(taskId, leaseToken, output, usage);
        if (span) await this.traceAttempt(span, completed.result);
        return completed;
      },
    );
  }

  /** An attempt's span: its attempt and run, linked to the run's trace unless already in it. */
  private async traceAttempt(span: Span, result: AttemptResult): Promise<void> {
    span.setAttribute('agentmesh.task.attempt', result.attempt);
    span.setAttribute('agentmesh.workflow.run_id', result.workflowId);
    span.addLinks(
      await this.runTraces.linkTo(currentTenantId(), result.workflowId, span.spanContext().traceId),
    );
  }

  /**
   * Completes the task, then, once that has committed, claims the next tasks for the agent that
   * held it (as `claim` does, long-poll included): an agent's steady state is one request per
   * task. A refused completion claims nothing.
   */
  async completeAndClaimNext(
    taskId: string,
    leaseToken: string,
    output: unknown,
    next: { max: number; waitSeconds: number },
    signal?: AbortSignal,
    usage?: UsageReport,
  ): Promise<{ task: AttemptResult; next: { tasks: ClaimedTask[] } }> {
    const { result, agentId } = await this.completeTraced(taskId, leaseToken, output, usage);
    if (agentId === null) return { task: result, next: { tasks: [] } };
    // A repeat (the first answer lost on its way back) answers what the first one leased,
    // while the agent still holds it; only when it holds none of it does it claim anew. The
    // claim is named after the completed task, which makes it so (see claimNamed).
    const tasks = await this.claimAfterCompletion(agentId, taskId, next, signal);
    return { task: result, next: { tasks } };
  }

  /**
   * The completion has committed: an agent that is draining, or was deregistered meanwhile, is
   * answered it, with nothing next (never an error that would say the completion failed).
   */
  private async claimAfterCompletion(
    agentId: string,
    after: string,
    next: { max: number; waitSeconds: number },
    signal?: AbortSignal,
  ): Promise<ClaimedTask[]> {
    try {
      return await this.claim(agentId, next.max, next.waitSeconds, signal, after);
    } catch (error) {
      if (error instanceof AgentDrainingError || error instanceof AgentNotFoundError) return [];
      throw error;
    }
  }

  private submitCompletion(
    taskId: string,
    leaseToken: string,
    output: unknown,
    usage: UsageReport | undefined,
  ) {
    const context = requestContext.require();
    return this.completions.submit({
      tenantId: currentTenantId(),
      taskId,
      leaseToken,
      agentId: this.boundAgent(),
      output: output ?? null,
      // A repeat must send the same usage; without usage the hash is what it always was.
      resultHash: hashOf(usage ? { output: output ?? null, usage } : { output: output ?? null }),
      context,
      ...(usage ? { usage } : {}),
    });
  }

  /** `task.fail`, linked to the run's trace when the agent did not continue it. */
  fail(
    taskId: string,
    leaseToken: string,
    error: TaskError,
    retryable: boolean,
  ): Promise<AttemptResult> {
    return withSpan(
      'task.fail',
      { attributes: { 'agentmesh.task.id': taskId, 'agentmesh.task.retryable': retryable } },
      async (span) => {
        const failed = await this.failAsHolder(taskId, leaseToken, error, retryable);
        if (span) {
          span.setAttribute('agentmesh.task.will_retry', failed.willRetry);
          await this.traceAttempt(span, failed);
        }
        return failed;
      },
    );
  }

  private failAsHolder(
    taskId: string,
    leaseToken: string,
    error: TaskError,
    retryable: boolean,
  ): Promise<AttemptResult> {
    const resultHash = hashOf({ error, retryable });
    return this.asHolder(taskId, leaseToken, async (tx, run, task) => {
      // A repeat: this holder's attempt already failed (and may have been queued again since).
      // An attempt the service ended (timed out) has no reported payload: not a repeat.
      if (task.prevLeaseToken === leaseToken) {
        if (task.prevResultHash === null) throw notHolder(task, leaseToken);
        if (task.prevResultHash !== resultHash) throw mismatch();
        return result(task, 'failed', task.attempt - 1, true);
      }
      if (task.leaseToken === leaseToken && ['failed', 'timed_out'].includes(task.status)) {
        if (task.resultHash === null) throw notHolder(task, leaseToken);
        if (task.resultHash !== resultHash) throw mismatch();
        return result(task, 'failed', task.attempt, false);
      }
      if (task.status !== 'claimed' || task.leaseToken !== leaseToken || !task.leaseLive) {
        throw notHolder(task, leaseToken);
      }
      const { willRetry } = await this.engine.failAttempt(
        tx,
        run,
        task,
        'failed',
        error,
        retryable,
        resultHash,
      );
      return result(task, 'failed', task.attempt, willRetry);
    });
  }

  /**
   * One transaction for a batch of completions. If it fails, each completion goes again on its
   * own, so one that cannot be written does not fail the others. A completion that matched no
   * claimed task under its lease is answered after the commit: a repeat of this holder's (the
   * same answer, or 409 for another payload), or a conflict.
   */
  private async completeAll(holders: Holder[]): Promise<Array<Settled<Completed>>> {
    batchSizes.observe({ kind: 'complete' }, holders.length);
    let gathering = false;
    const succeed = (tooLarge: boolean, statementTimeoutMs?: number) =>
      requestContext.run(holders[0].context, () =>
        this.unitOfWork.run(
          async (tx) => {
            const succeeded = await this.engine.succeedAll(
              tx,
              holders,
              (owed) => this.progress.emitOwed(tx, owed),
              { tooLarge, gathering: () => (gathering = true) },
            );
            await this.recordUsage(tx, holders, succeeded);
            return succeeded;
          },
          { statementTimeoutMs },
        ),
      );
    // Alone (a batch that fails goes again item by item), a completion whose first try ran out
    // of time once it was putting outputs together (a fan-out's end, its run's finish) goes
    // again at once with FINISH_TIMEOUT_FACTOR times the time: that work grows with the
    // outputs, and would run out of time on every try. Any other timeout is the database being
    // slow or a lock held: 503, as before.
    const attempt = () =>
      succeed(false).catch((error: unknown) => {
        if (holders.length > 1 || !gathering || !isStatementTimeout(error)) throw error;
        return succeed(false, FINISH_TIMEOUT_FACTOR * this.config.dbStatementTimeoutMs);
      });
    let done: Array<TaskRow | undefined>;
    try {
      done = await attempt();
    } catch (error) {
      // Alone, a completion whose run cannot move on for a value too large to store is done,
      // and its run fails saying so; one whose own output is too large is refused, and nothing
      // changes.
      if (holders.length > 1 || !isValueTooLarge(error)) throw error;
      done = await succeed(true).catch((again: unknown) => {
        if (!isValueTooLarge(again)) throw again;
        throw new TooLargeError(
          WorkflowErrorCode.OutputTooLarge,
          'The output is too large for PostgreSQL to hold in one value (256 MB at most, ' +
            'stored; an array of small numbers takes six times its JSON there).',
        );
      });
    }
    return Promise.all(
      holders.map((holder, index) => {
        const task = done[index];
        if (task) {
          return settled(
            Promise.resolve({
              result: result(task, 'succeeded', task.attempt, false),
              agentId: task.agentId,
            }),
          );
        }
        return settled(requestContext.run(holder.context, () => this.completedBefore(holder)));
      }),
    );
  }

  /**
   * The usage reported with the completions just done (a repeat or a refused one counts
   * nothing), under the runs' locks `succeedAll` took: a completion without usage costs nothing
   * more.
   */
  private async recordUsage(
    tx: Transaction,
    holders: Holder[],
    succeeded: Array<TaskRow | undefined>,
  ): Promise<void> {
    const entries: UsageEntry[] = [];
    const contexts = new Map<string, RequestContext>();
    holders.forEach((holder, index) => {
      const task = succeeded[index];
      if (!task || !holder.usage) return;
      entries.push({ taskId: task.id, runId: task.runId, usage: holder.usage, source: 'complete' });
      contexts.set(task.id, holder.context);
    });
    if (entries.length > 0) await this.budgets.record(tx, entries, (id) => contexts.get(id));
  }

  /** The answer to a completion that changed nothing: a repeat of the holder's, or 409/404. */
  private async completedBefore(holder: Holder): Promise<Completed> {
    const task = await this.unitOfWork.run((tx) => this.find(tx, holder.tenantId, holder.taskId));
    const repeat =
      task.status === 'succeeded' &&
      task.leaseToken === holder.leaseToken &&
      (holder.agentId === null || task.agentId === holder.agentId);
    if (!repeat) throw notHolder(task, holder.leaseToken);
    if (task.resultHash !== holder.resultHash) throw mismatch();
    return {
      result: result(task, 'succeeded', task.attempt, false),
      agentId: task.agentId,
    };
  }

  private async asHolder(
    taskId: string,
    leaseToken: string,
    work: (tx: Transaction, run: RunRow, task: LockedTask) => Promise<AttemptResult>,
  ): Promise<AttemptResult> {
    const tenantId = currentTenantId();
    const bound = this.boundAgent();
    return this.unitOfWork.run(async (tx) => {
      // Lock order: the run first, then the task (as every other writer does).
      const run = await this.engine.lockRunOfTask(tx, tenantId, taskId);
      if (!run) throw new TaskNotFoundError(taskId);
      const task = await this.find(tx, tenantId, taskId);
      // An agent key acting for another agent holds no lease, whatever token it shows.
      if (bound !== null && task.agentId !== null && task.agentId !== bound) {
        throw notHolder(task, null);
      }
      return work(tx, run, task);
    });
  }

  /** The task, locked; `leaseLive`: its lease has not expired, by the database's clock. */
  private async find(tx: Transaction, tenantId: string, taskId: string): Promise<LockedTask> {
    const [task] = await tx.manager.query<LockedTask[]>(
      `SELECT ${TASK_COLUMNS}, coalesce(t.lease_expires_at > now(), false) AS "leaseLive"
         FROM workflow_tasks t WHERE t.tenant_id = $1 AND t.id = $2 FOR UPDATE`,
      [tenantId, taskId],
    );
    if (!task) throw new TaskNotFoundError(taskId);
    return task;
  }

  private boundAgent(): string | null {
    return requestContext.get()?.agentId ?? null;
  }

  /** A quarantined agent still waits (its long-poll), rather than being answered at once. */
  private canWork(profile: { status: string; skills: string[]; quarantined: number }): boolean {
    return (
      profile.status !== 'draining' &&
      profile.status !== 'offline' &&
      (profile.skills.length > 0 || profile.quarantined > 0)
    );
  }

  private toClaimed(task: TaskRow): ClaimedTask {
    return {
      id: task.id,
      workflowId: task.runId,
      stepKey: task.stepKey,
      skill: task.skill,
      input: task.input,
      attempt: task.attempt,
      leaseToken: task.leaseToken!,
      leaseExpiresAt: new Date(task.leaseExpiresAt!).toISOString(),
      leaseSeconds: this.config.taskLeaseSeconds,
    };
  }

  private get stopping(): boolean {
    return this.waiters.isClosed || this.shutdown.isShuttingDown;
  }
}

function result(
  task: TaskRow,
  status: AttemptResult['status'],
  attempt: number,
  willRetry: boolean,
): AttemptResult {
  return { id: task.id, workflowId: task.runId, stepKey: task.stepKey, attempt, status, willRetry };
}

/** `leaseToken`: the one presented, when it may be told apart (not for another agent's key). */
function notHolder(task: LockedTask, leaseToken: string | null): ConflictError {
  const why =
    task.status !== 'claimed'
      ? `the task is ${task.status}`
      : leaseToken !== null && task.leaseToken === leaseToken && !task.leaseLive
        ? 'the lease expired (heartbeat within TASK_LEASE_SECONDS to keep it); the task will be retried'
        : 'the lease token is not the current one (the lease expired and the task moved on, or it was never yours)';
  return new ConflictError(
    WorkflowErrorCode.NotLeaseHolder,
    `Not the holder of this task's lease: ${why}.`,
  );
}

function mismatch(): ConflictError {
  return new ConflictError(
    WorkflowErrorCode.ResultMismatch,
    'This attempt was already reported with a different payload.',
  );
}
