import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AgentStatus } from '../agents/entities/agent.entity';
import { AuditService } from '../audit/audit.service';
import { RequestContext, requestContext } from '../common/context/request-context';
import { uuidv7 } from '../common/ids';
import { currentTraceparent, withSpan } from '../common/tracing/trace-context';
import { PgNotifications } from '../database/pg-notifications';
import { preparedQuery } from '../database/prepared';
import { Transaction, UnitOfWork } from '../database/unit-of-work';
import { EventsService } from '../events/events.service';
import { claimParameters, claimStatement, ClaimLimits } from './claim-statement';
import type { AppConfig } from '../config/config';
import { InjectConfig } from '../config/config.module';
import {
  backoffSeconds,
  DEFAULT_BACKOFF,
  ON_FINISH_KEY,
  readySteps,
  StepSpec,
  stepKind,
} from './dag';
import {
  elementInput,
  FAN_OUT_OUTPUT_MAX_BYTES,
  FanOutError,
  FanOutPlan,
  planFanOut,
} from './fan-out';
import { Arrival, arrive, ConcurrencySpec, concurrencyKeyOf, keyValue } from './concurrency';
import {
  groupOf,
  KeyGroup,
  lockFirstWaiting,
  lockGroup,
  lockHolders,
  promotionsDue,
  slotCounts,
  takeSlot,
  tryLockGroup,
  waitingAhead,
} from './concurrency-slots';
import { rateUnits } from './rate-limit-units';
import { RetryAnnouncer } from './retry-announcer';
import { OutcomeRouter } from './outcome-routing';
import { ConflictError } from '../common/errors/domain-error';
import { WorkflowErrorCode } from './workflows.errors';
import { attemptsFinished, countRateLimited, runsFinished } from './workflow-metrics';
import { QUEUE_WOKEN_TASKS, queueWokenParameters } from './wake-statement';
import {
  assertRunTransition,
  assertTaskTransition,
  isTerminalRun,
  RunStatus,
  TaskStatus,
} from './state-machine';
import { planWait, WaitPlan } from './wait-steps';
import { OWED_PROGRESS_SQL, OwedProgress, ProgressWriter } from './progress-writer';
import { exceededLimits, type Budget, type BudgetLimit, type UsageReport } from './usage/usage';
import { sameJson } from '../common/same-json';
import {
  DURATION_MS,
  FINISHED_RUN_COLUMNS,
  RUN_COLUMNS,
  RunRow,
  STEP_INPUT,
  STORED_TASK_COLUMNS,
  TASK_COLUMNS,
  TASKS_CHANNEL,
  TaskRow,
  taskSignal,
  updatedRows,
} from './workflow-rows';

export interface NewRun {
  tenantId: string;
  type: string;
  definitionVersion: number | null;
  steps: StepSpec[];
  /** A github step run once the run has finished, whatever its outcome. */
  onFinish?: StepSpec | null;
  input: unknown;
  priority: number;
  triggerKey?: string;
  /** A delayed start: the run waits `scheduled`, with no tasks, until the schedule runner starts it. */
  startAt?: Date;
  /** Its definition's concurrency key: the run waits for a slot of its key value. */
  concurrency?: ConcurrencySpec | null;
  /** Limits on its reported usage and its running time. */
  budget?: Budget | null;
}

/** What happens to a run because of its concurrency key. */
type ConcurrencyEvent = 'queued' | 'started' | 'cancelled';

const CONCURRENCY_ACTIONS: Record<ConcurrencyEvent, string> = {
  queued: 'workflow.concurrency_queue',
  started: 'workflow.concurrency_start',
  cancelled: 'workflow.concurrency_cancel',
};

export interface TaskError {
  message: string;
  code?: string;
}

type TaskEvent =
  'queued' | 'held' | 'claimed' | 'succeeded' | 'failed' | 'retried' | 'timed_out' | 'cancelled';
type RunEvent =
  'created' | 'activated' | 'started' | 'succeeded' | 'failed' | 'cancelled' | 'retried';
/**
 * What happens to a step that is not a task: it starts waiting (a fan-out: its elements are
 * queued), then ends once.
 */
type StepEvent = 'waiting' | 'fanned_out' | 'succeeded' | 'failed' | 'timed_out' | 'cancelled';

/** How a waiting step ends: its output when it succeeds, its error when it does not. */
export interface WaitOutcome {
  task: TaskRow;
  status: 'succeeded' | 'failed' | 'timed_out';
  output?: unknown;
  error?: TaskError;
}

/** What dispatch knows of the claiming agent. */
export interface DispatchProfile {
  status: AgentStatus;
  /** The skills it may be given tasks of now: its own, less those it is quarantined from. */
  skills: string[];
  quarantined: number;
}

/** A completion: who reports the task done, under which lease, with what. */
export interface Holder {
  tenantId: string;
  taskId: string;
  leaseToken: string;
  /** The agent an agent-bound key acts for: only its own lease counts. */
  agentId: string | null;
  output: unknown;
  resultHash: string;
  /** The request context the holder's audit entries and events are written in. */
  context: RequestContext;
  /** What the attempt used, when the holder reported it. */
  usage?: UsageReport;
}

/** A task step ready to be queued, with its input; a fan-out's element says which it is. */
interface QueuedStep {
  run: RunRow;
  step: StepSpec;
  input: unknown;
  elementIndex?: number;
  /**
   * A fan-out element's input as its task reads it, its step's input with its element (`input`
   * is what its row stores, the element alone): what its rate units are read from.
   */
  readInput?: unknown;
}

/** A run whose every step succeeded, to be finished with others in one statement. */
interface SucceededRun {
  run: RunRow;
  /** The context its finish is written in: the request that completed its last step. */
  context: RequestContext | undefined;
}

/**
 * What moving a run on needs to know of each of its tasks. A fan-out element's output is not
 * needed (null where it is not read): its step's own row carries the array once all succeeded.
 * A completion reads only the outputs its steps still to start depend on: any other succeeded
 * step's is `withheld` (see SucceedTasksNeededOutputs): the run's output, when it finishes, is
 * gathered by PostgreSQL (workflow_run_output).
 */
export type TaskProgress = Pick<
  TaskRow,
  'stepKey' | 'status' | 'output' | 'kind' | 'elementIndex' | 'elementCount'
> & { withheld?: boolean };

/** The columns of TaskProgress, as `advance` reads them. */
const PROGRESS_COLUMNS = `step_key AS "stepKey", status, kind, element_index AS "elementIndex",
  element_count AS "elementCount", CASE WHEN element_index IS NULL THEN output END AS output`;

function isElement(task: Pick<TaskRow, 'elementIndex'>): boolean {
  return typeof task.elementIndex === 'number';
}

/**
 * What an agent's task being cancelled was (read before the run's own status changes): claimed
 * when it has an agent, else held in a run whose budget is spent (such a run has no queued
 * task), else queued.
 */
function openStatus(run: RunRow, task: TaskRow): TaskStatus {
  if (task.agentId) return 'claimed';
  return run.status === 'budget_exceeded' ? 'held' : 'queued';
}

const RUN_ACTIONS: Record<RunEvent, string> = {
  created: 'workflow.create',
  activated: 'workflow.activate',
  started: 'workflow.start',
  succeeded: 'workflow.succeed',
  failed: 'workflow.fail',
  cancelled: 'workflow.cancel',
  retried: 'workflow.retry',
};

const STEP_ACTIONS: Record<StepEvent, string> = {
  waiting: 'step.wait',
  fanned_out: 'step.fan_out',
  succeeded: 'step.succeed',
  failed: 'step.fail',
  timed_out: 'step.time_out',
  cancelled: 'step.cancel',
};

const TASK_ACTIONS: Record<TaskEvent, string> = {
  queued: 'task.queue',
  held: 'task.hold',
  claimed: 'task.claim',
  succeeded: 'task.succeed',
  failed: 'task.fail',
  retried: 'task.retry',
  timed_out: 'task.time_out',
  cancelled: 'task.cancel',
};

/** The soonest a claim held back by a rate limit looks again. */
const RECHECK_MS = 100;

/** A row of the claim statement's answer (claim-statement.ts). */
type ClaimAnswer = DispatchProfile & {
  tasks: TaskRow[] | null;
  leftSkills: string[] | null;
  heldBack: Array<{ key: string; short: boolean; waitMs: number }> | null;
  /** A named claim's: the tasks the agent holds under the name, when it holds any. */
  named: TaskRow[] | null;
  /** The tenant has a rate limit. */
  limited: boolean;
  /** `one sub-bucket` only: a limit fell short, and nothing was claimed. */
  shortfall?: boolean;
};

/**
 * What a claim answers: the agent's dispatch profile (undefined: no such agent, or a named
 * claim answered with what its name holds), the tasks, when a rate limit holding one back has
 * its units again, and `held` when the tasks are those an earlier request of the name leased.
 */
export interface ClaimAnswerOf {
  profile: DispatchProfile | undefined;
  tasks: TaskRow[];
  tokensInMs: number | null;
  held?: true;
}

/**
 * The workflow engine: every run and task transition goes through here, checked against the
 * transition table, with its audit entry and its domain event written in the caller's
 * transaction. Lock order is always the run, then its tasks (claim never waits on a run lock),
 * so concurrent completions, cancels and the reaper cannot deadlock.
 */
@Injectable()
export class WorkflowEngine {
  /**
   * Tenants whose last claim here found no rate limit: their next claim is the statement
   * without the limits' part, which answers whether one has been made since.
   */
  private readonly tenantsWithoutLimits = new Set<string>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly events: EventsService,
    private readonly notifications: PgNotifications,
    private readonly retries: RetryAnnouncer,
    private readonly router: OutcomeRouter,
    private readonly unitOfWork: UnitOfWork,
    private readonly progress: ProgressWriter,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /**
   * Inserts a run and queues its first steps; undefined when its trigger key already ran.
   * GenAI semantic conventions: a run is an `invoke_workflow`; its span's context is stored with
   * the run, and the run's task attempts, events and deliveries continue or link to it.
   */
  startRun(tx: Transaction, input: NewRun): Promise<RunRow | undefined> {
    return withSpan(
      `invoke_workflow ${input.type}`,
      {
        attributes: {
          'gen_ai.operation.name': 'invoke_workflow',
          'gen_ai.workflow.name': input.type,
        },
      },
      async (span) => {
        const run = await this.insertRun(tx, input);
        span?.setAttribute('agentmesh.workflow.run_id', run?.id ?? '');
        return run;
      },
    );
  }

  private async insertRun(tx: Transaction, input: NewRun): Promise<RunRow | undefined> {
    const concurrency = input.concurrency ?? null;
    const key = concurrency ? concurrencyKeyOf(input.input, concurrency.key) : null;
    const rows = await preparedQuery<RunRow>(
      tx,
      `INSERT INTO workflow_runs AS r (id, tenant_id, type, definition_version, status, priority, input, steps, trigger_key, trace_context, start_at,
         concurrency_key, concurrency_limit, concurrency_strategy, on_finish, budget)
       VALUES ($1, $2, $3, $4, CASE WHEN $10::timestamptz IS NULL THEN 'pending' ELSE 'scheduled' END,
               $5, $6::jsonb, $7::jsonb, $8, $9, $10, $11, $12, $13, $14::jsonb, $15::jsonb)
       ON CONFLICT DO NOTHING
       RETURNING ${RUN_COLUMNS}`,
      [
        uuidv7(),
        input.tenantId,
        input.type,
        input.definitionVersion,
        input.priority,
        input.input === undefined ? null : JSON.stringify(input.input),
        JSON.stringify(input.steps),
        input.triggerKey ?? null,
        currentTraceparent(),
        input.startAt ?? null,
        key,
        concurrency?.limit ?? null,
        concurrency?.strategy ?? null,
        input.onFinish ? JSON.stringify(input.onFinish) : null,
        input.budget ? JSON.stringify(input.budget) : null,
      ],
    );
    const run = rows[0];
    if (!run) return undefined;
    await this.runChanged(tx, run, 'created', null);
    // A new run has no tasks yet; a delayed one gets them when it is activated.
    if (run.status === 'pending') await this.arrive(tx, run);
    return run;
  }

  /**
   * A pending run with no tasks arrives: with a concurrency key, it starts only when a slot of
   * its key value is free (else it waits, is cancelled, or evicts the oldest holders, as its
   * strategy says), under the group's lock; without one, its first steps are queued.
   */
  private async arrive(tx: Transaction, run: RunRow): Promise<void> {
    if (run.concurrencyKey === null) {
      await this.advance(tx, run, []);
      return;
    }
    const group = groupOf(run);
    if (run.concurrencyStrategy === 'queue') {
      if (!(await tryLockGroup(tx, group))) {
        // Another start or promotion of this key value holds its lock: join the queue without
        // waiting for it (a burst of starts would queue on it); the promotion after this
        // commit starts the run if a slot is free by then.
        await takeSlot(tx, run, 'waiting');
        const ahead = await waitingAhead(tx.manager, run);
        await this.concurrencyChanged(tx, run, 'queued', { ahead });
        this.promoteAfterCommit(tx, group);
        return;
      }
    } else await lockGroup(tx, group);
    const slots = await slotCounts(tx.manager, group, run.id);
    const decision = arrive(
      run.concurrencyStrategy!,
      run.concurrencyLimit!,
      slots.holding,
      slots.waiting,
    );
    switch (decision.action) {
      case 'start':
        await takeSlot(tx, run, 'holding');
        await this.advance(tx, run, []);
        return;
      case 'evict':
        await this.evict(tx, run, group);
        await takeSlot(tx, run, 'holding');
        await this.advance(tx, run, []);
        return;
      case 'wait':
        await takeSlot(tx, run, 'waiting');
        await this.concurrencyChanged(tx, run, 'queued', { ahead: slots.waiting });
        // A slot is free but others wait first: their promotion is due (a finisher's, or this).
        if (slots.holding < run.concurrencyLimit!) this.promoteAfterCommit(tx, group);
        return;
      case 'cancel':
        await this.concurrencyChanged(tx, run, 'cancelled', { by: 'arrival' });
        await this.finishRun(tx, run, 'cancelled', {
          reason: 'concurrency',
          message:
            `Cancelled on arrival: its concurrency key already has ${slots.holding} of ` +
            `${run.concurrencyLimit} runs running (strategy cancel-newest).`,
          key: keyValue(run.concurrencyKey),
          strategy: run.concurrencyStrategy,
        });
        return;
    }
  }

  /**
   * cancel-in-progress: the oldest runs holding slots of the group are cancelled (their tasks
   * cancelled, their leases void, as a cancel does) until one slot is free for `run`.
   */
  private async evict(tx: Transaction, run: RunRow, group: KeyGroup): Promise<void> {
    // Not `run` itself: a retried run still holds the slot its first life took, and is running
    // again by now.
    const holders = (await lockHolders(tx, group)).filter(
      (held) => held.id !== run.id && !isTerminalRun(held.status),
    );
    holders.sort(
      (a, b) =>
        new Date(a.concurrencySince!).getTime() - new Date(b.concurrencySince!).getTime() ||
        (a.id < b.id ? -1 : 1),
    );
    const excess = holders.length - run.concurrencyLimit! + 1;
    for (const held of holders.slice(0, Math.max(0, excess))) {
      await this.concurrencyChanged(tx, held, 'cancelled', {
        by: 'newer_run',
        cancelledBy: run.id,
      });
      await this.finishRun(tx, held, 'cancelled', {
        reason: 'concurrency',
        message:
          'Cancelled by a newer run of the same concurrency key (strategy cancel-in-progress).',
        key: keyValue(held.concurrencyKey!),
        strategy: held.concurrencyStrategy,
        cancelledBy: run.id,
      });
    }
  }

  /**
   * Starts the runs first in the group's queue while slots are free, in order (under the
   * group's lock, in the caller's transaction). Answers how many started.
   */
  async promote(tx: Transaction, group: KeyGroup): Promise<number> {
    await lockGroup(tx, group);
    let started = 0;
    for (;;) {
      const run = await lockFirstWaiting(tx, group);
      if (!run) return started;
      const { holding } = await slotCounts(tx.manager, group);
      if (holding >= run.concurrencyLimit!) return started;
      const waitedMs = Date.now() - new Date(run.concurrencySince!).getTime();
      await takeSlot(tx, run, 'holding', false);
      await this.concurrencyChanged(tx, run, 'started', { waitedMs: Math.max(0, waitedMs) });
      await this.advance(tx, run);
      await this.stopIfOverBudget(tx, run);
      started += 1;
    }
  }

  /** `promote` in a transaction of its own. */
  async promoteAlone(group: KeyGroup): Promise<number> {
    return this.unitOfWork.run((tx) => this.promote(tx, group));
  }

  /**
   * Once `tx` commits, the group's queue moves on (once per group and transaction). A crash
   * before then leaves it to the sweep (ConcurrencySweeper).
   */
  private promoteAfterCommit(tx: Transaction, group: KeyGroup): void {
    let groups = this.releasing.get(tx);
    if (!groups) {
      const touched = new Map<string, KeyGroup>();
      groups = touched;
      this.releasing.set(tx, touched);
      // One look for every group the transaction touched, once it has committed; a group
      // whose promotion fails does not hold up the others (the sweep retries it).
      tx.afterCommit(async () => {
        const failures: unknown[] = [];
        for (const due of await promotionsDue(this.dataSource, [...touched.values()])) {
          await this.promoteAlone(due).catch((error: unknown) => failures.push(error));
        }
        if (failures.length > 0) throw failures[0];
      });
    }
    groups.set(JSON.stringify([group.tenantId, group.type, group.key]), group);
  }

  private readonly releasing = new WeakMap<Transaction, Map<string, KeyGroup>>();

  /** Audit entry and `workflow.concurrency.*` event of a run's concurrency key. */
  private async concurrencyChanged(
    tx: Transaction,
    run: RunRow,
    event: ConcurrencyEvent,
    extra: Record<string, unknown>,
  ): Promise<void> {
    const subject = { type: 'workflow', id: run.id };
    const key = keyValue(run.concurrencyKey!);
    await this.audit.record(tx, {
      action: CONCURRENCY_ACTIONS[event],
      resource: subject,
      after: { key, limit: run.concurrencyLimit, strategy: run.concurrencyStrategy, ...extra },
      tenantId: run.tenantId,
    });
    await this.events.emit(tx, {
      type: `workflow.concurrency.${event}`,
      subject,
      tenantId: run.tenantId,
      data: {
        workflowId: run.id,
        type: run.type,
        key,
        limit: run.concurrencyLimit,
        strategy: run.concurrencyStrategy,
        ...extra,
      },
    });
  }

  /** scheduled → pending, its start time come (the caller holds its lock): first steps queued. */
  async activate(tx: Transaction, run: RunRow): Promise<void> {
    assertRunTransition(run.status, 'pending');
    await tx.manager.query(`UPDATE workflow_runs SET status = 'pending' WHERE id = $1`, [run.id]);
    run.status = 'pending';
    await this.runChanged(tx, run, 'activated', 'scheduled');
    await this.arrive(tx, run);
  }

  /**
   * failed → running (the caller holds its lock): the steps that did not succeed (the failed
   * one, and those cancelled because of it) lose their tasks and are queued again, from
   * attempt 1, as their dependencies allow; succeeded steps keep their outputs. A fan-out step
   * whose elements were queued keeps its elements that succeeded (and their outputs): only the
   * others are queued again, with the same element and index; its forEach is not read again.
   * A fan-out that failed before it had elements (its forEach did not resolve) starts afresh.
   */
  async retry(tx: Transaction, run: RunRow): Promise<string[]> {
    assertRunTransition(run.status, 'running');
    // With a concurrency key the run arrives again: it may have to wait (pending) for a slot.
    let decision: Arrival = { action: 'start' };
    let ahead = 0;
    if (run.concurrencyKey !== null) {
      await lockGroup(tx, groupOf(run));
      const slots = await slotCounts(tx.manager, groupOf(run), run.id);
      ahead = slots.waiting;
      decision = arrive(run.concurrencyStrategy!, run.concurrencyLimit!, slots.holding, ahead);
      if (decision.action === 'cancel') {
        throw new ConflictError(
          WorkflowErrorCode.ConcurrencyKeyFull,
          `Its concurrency key has ${slots.holding} of ${run.concurrencyLimit} runs running ` +
            'and its strategy is cancel-newest: retry it once one finishes.',
        );
      }
    }
    const status = decision.action === 'wait' ? 'pending' : 'running';
    assertRunTransition(run.status, status);
    // Elements first: what they answer reads their step's own row.
    // The tasks replaced are retired, not lost: GET /tasks/{id} still answers them as they ended.
    const elements = await tx.manager.query<TaskRow[]>(
      retireTasks(`t.run_id = $1 AND t.element_index IS NOT NULL AND t.status <> 'succeeded'`),
      [run.id],
    );
    const fanOuts = await tx.manager.query<TaskRow[]>(
      retireTasks(
        `t.run_id = $1 AND t.kind = 'fanout' AND t.status <> 'succeeded' AND t.element_count > 0`,
      ),
      [run.id],
    );
    // The onFinish step goes too: the retried run reports again when it finishes again.
    const dropped = await tx.manager.query<TaskRow[]>(
      retireTasks(`t.run_id = $1 AND (t.status <> 'succeeded' OR t.step_key = $2)`),
      [run.id, ON_FINISH_KEY],
    );
    const [retried] = updatedRows<RunRow>(
      await tx.manager.query(
        `UPDATE workflow_runs r SET status = $2::varchar, output = NULL, error = NULL,
                finished_at = NULL,
                started_at = CASE WHEN $2::varchar = 'running' THEN coalesce(started_at, now())
                                  ELSE started_at END
          WHERE r.id = $1 RETURNING ${RUN_COLUMNS}`,
        [run.id, status],
      ),
    );
    Object.assign(run, retried);
    await this.runChanged(tx, run, 'retried', 'failed');
    if (decision.action === 'wait') {
      // A retry that waits for a slot plans its fan-outs when it starts, so nothing of them is
      // claimable meanwhile; the elements of theirs that had succeeded stay, and the plan
      // (which reads the same input and outputs) queues only the others (see startFanOuts).
      await takeSlot(tx, run, 'waiting');
      await this.concurrencyChanged(tx, run, 'queued', { ahead });
      this.promoteAfterCommit(tx, groupOf(run));
      const waiting = [...fanOuts, ...dropped]
        .map((task) => task.stepKey)
        .filter((key) => key !== ON_FINISH_KEY);
      return [...new Set(waiting)].sort();
    }
    if (decision.action === 'evict') await this.evict(tx, run, groupOf(run));
    if (run.concurrencyKey !== null) await takeSlot(tx, run, 'holding');
    if (fanOuts.length > 0) await this.resumeFanOuts(tx, run, fanOuts, elements);
    await this.advance(tx, run);
    await this.stopIfOverBudget(tx, run);
    const steps = [...fanOuts, ...dropped]
      .map((task) => task.stepKey)
      .filter((key) => key !== ON_FINISH_KEY);
    return [...new Set(steps)].sort();
  }

  /** A retried run's fan-outs wait again for their elements that had not succeeded, queued anew. */
  private async resumeFanOuts(
    tx: Transaction,
    run: RunRow,
    fanOuts: TaskRow[],
    elements: TaskRow[],
  ): Promise<void> {
    const steps = new Map(run.steps.map((step) => [step.key, step]));
    await this.insertFanOuts(
      tx,
      run,
      fanOuts.map((row) => ({
        step: steps.get(row.stepKey)!,
        input: row.input,
        waitFor: row.waitFor ?? {},
        elementCount: row.elementCount,
      })),
    );
    const queued = elements
      .sort((a, b) => a.elementIndex! - b.elementIndex!)
      .map((row) => ({
        run,
        step: steps.get(row.stepKey)!,
        input: elementInput((row.input as { item: unknown }).item, row.elementIndex!),
        elementIndex: row.elementIndex!,
        // Read as its task reads it (TASK_COLUMNS merges its step's input in).
        readInput: row.input,
      }));
    await this.insertQueued(tx, queued);
  }

  /** The run row, locked; `skipLocked`: undefined when another transaction holds it. */
  async lockRun(
    tx: Transaction,
    tenantId: string,
    runId: string,
    skipLocked = false,
  ): Promise<RunRow | undefined> {
    const rows = await tx.manager.query<RunRow[]>(
      `SELECT ${RUN_COLUMNS} FROM workflow_runs r WHERE r.tenant_id = $1 AND r.id = $2
        FOR UPDATE${skipLocked ? ' SKIP LOCKED' : ''}`,
      [tenantId, runId],
    );
    return rows[0];
  }

  /** The run of a task, locked (one statement: the path of fail). */
  async lockRunOfTask(
    tx: Transaction,
    tenantId: string,
    taskId: string,
  ): Promise<RunRow | undefined> {
    const [run] = await this.lockRunsOfTasks(tx, [{ tenantId, taskId }]);
    return run;
  }

  /**
   * Takes up to `max` queued tasks of the agent's skills (highest priority, then oldest),
   * skipping rows other claimers hold, and leases them to the agent with a fresh token each;
   * none while it is draining or offline; the profile is undefined when there is no such agent.
   * One statement on its own (see claim-statement.ts): the tasks, the runs started, their audit
   * entries and events commit together, with no transaction of ours around them.
   * Wakes the outbox when it claimed something, and the claims of skills whose rows it left.
   *
   * A named claim (`after`: a claimId, or the task whose completion claims next) leases once
   * under its name: the requests of one name (a repeat sent while the first still waits) take
   * turns on a transaction lock of the name, and the claim statement, sent after the lock in
   * the same transaction and round trip, first looks at what the agent holds under the name
   * (its snapshot is taken once the turn before has committed): when it holds any, that is the
   * answer (`held`), and nothing is claimed.
   */
  async claimAlone(
    tenantId: string,
    agentId: string,
    max: number,
    leaseSeconds: number,
    after: string | null = null,
  ): Promise<ClaimAnswerOf> {
    const claim = async (count: number, limits: ClaimLimits, looks: boolean) => {
      const statement = {
        sql: claimStatement(count, limits),
        params: claimParameters(
          tenantId,
          agentId,
          count,
          leaseSeconds,
          requestContext.get(),
          after,
          looks,
        ),
      };
      if (after === null) {
        return (
          await preparedQuery<ClaimAnswer>(this.dataSource, statement.sql, statement.params)
        )[0];
      }
      const [, rows] = await this.unitOfWork.alone([
        {
          sql: `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`,
          params: [JSON.stringify(['named_claim', tenantId, agentId, after])],
        },
        statement,
      ]);
      return (rows as ClaimAnswer[])[0];
    };
    const unlimited = this.tenantsWithoutLimits.has(tenantId);
    let answer = await claim(max, unlimited ? 'no limits' : 'one sub-bucket', after !== null);
    if (!answer) return { profile: undefined, tasks: [], tokensInMs: null };
    if (answer.named)
      return { profile: undefined, tasks: answer.named, tokensInMs: null, held: true };
    if (answer.limited) this.tenantsWithoutLimits.delete(tenantId);
    else this.tenantsWithoutLimits.add(tenantId);
    const found = answer.tasks?.length ?? 0;
    if (answer.limited && found < max) {
      // The whole statement for the rest: a limit fell short (its sub-buckets held, or the one
      // locked holding too little), or fewer tasks than `max` were found (what held the others
      // back decides when to look again), or a limit was made since the tenant was found to
      // have none, and this claim did not look at its tasks. A named claim that leased some
      // does not look again (it would find those): a repeat of it reading between the two
      // answers the first part, whose leases are as good; the rest are answered here.
      const more = await claim(max - found, 'limits', after !== null && found === 0);
      if (more?.named) {
        return { profile: undefined, tasks: more.named, tokensInMs: null, held: true };
      }
      if (more) {
        answer = {
          ...more,
          tasks: [...(answer.tasks ?? []), ...(more.tasks ?? [])],
          leftSkills: [...(answer.leftSkills ?? []), ...(more.leftSkills ?? [])],
        };
      }
    }
    for (const skill of new Set(answer.leftSkills ?? []))
      this.notifications.signal(TASKS_CHANNEL, taskSignal(tenantId, skill));
    const tasks = answer.tasks ?? [];
    if (tasks.length > 0) this.events.committedAlone();
    const held = answer.heldBack ?? [];
    for (const { key, short } of held) if (short) countRateLimited(key);
    return {
      profile: { status: answer.status, skills: answer.skills, quarantined: answer.quarantined },
      tasks,
      // When the first rate limit holding a task back has its units again; a ready task of a
      // limit with tokens that this claim did not get (another claim held it) is looked at
      // again shortly, since nothing else will announce it.
      tokensInMs:
        held.length === 0
          ? null
          : Math.max(RECHECK_MS, Math.min(...held.map((entry) => entry.waitMs))),
    };
  }

  /**
   * The runs of these tasks, locked in id order (a batch locks several: in one order, two
   * batches cannot deadlock). Tasks that do not exist have no run here.
   */
  async lockRunsOfTasks(
    tx: Transaction,
    tasks: Array<{ tenantId: string; taskId: string }>,
  ): Promise<RunRow[]> {
    return preparedQuery<RunRow>(tx, LOCK_RUNS_OF_TASKS, [
      tasks.map((task) => task.tenantId),
      tasks.map((task) => task.taskId),
    ]);
  }

  /**
   * Holders finished their tasks (one or a batch of completions): each output is recorded and
   * each run moves on. The runs are locked first, then one statement marks every task
   * succeeded that is claimed under the holder's lease (and by its `agentId` when given) and
   * reads the other tasks of those runs: the runs are locked, so these are as their last
   * writers committed them, which is what the next steps depend on. Sibling completions queue
   * on a run's lock, so what is done under it is kept to that statement, the inserts of newly
   * ready steps and the audit and event write. Each holder's audit entries and events are
   * written in its own request context. Answers, per holder, its task, or undefined (and
   * nothing written for it) when it does not hold a claimed task's current, unexpired lease: a
   * repeat, a conflict, a task that does not exist. Each holder is judged on its own: requests
   * naming the same task with other tokens (or from another tenant) never displace the one
   * whose lease it is; of identical requests, the first is done and the others are repeats.
   *
   * `options.tooLarge`: moving these runs on failed with a value larger than PostgreSQL holds
   * (see `isValueTooLarge`): the tasks are done all the same, and their runs fail instead of
   * moving on (`run_value_too_large`). `options.gathering` is called when what follows puts
   * outputs together, work that grows with them: a fan-out's end (its elements' outputs, then
   * its dependents' inputs) or a run's finish (its output, and its event's copy).
   */
  async succeedAll(
    tx: Transaction,
    holders: Holder[],
    owed?: (rows: OwedProgress[]) => Promise<void>,
    options: { tooLarge?: boolean; gathering?: () => void } = {},
  ): Promise<Array<TaskRow | undefined>> {
    const { tooLarge = false, gathering } = options;
    assertTaskTransition('claimed', 'succeeded');
    const unique = new Map<string, Holder>();
    for (const holder of holders) {
      const key = [holder.tenantId, holder.taskId, holder.leaseToken, holder.agentId].join('\n');
      if (!unique.has(key)) unique.set(key, holder);
    }
    const batch = [...unique.values()];
    // One statement: the runs' locks, then the tasks done under them, and the progress the
    // tasks still owe (SUCCEED_TASKS).
    const locked = await preparedQuery<
      RunRow & { owed: OwedProgress[] | null; done: DoneTask[] | null }
    >(tx, owed ? SUCCEED_TASKS_OWING : SUCCEED_TASKS, [
      batch.map((holder) => holder.tenantId),
      batch.map((holder) => holder.taskId),
      batch.map((holder) => holder.leaseToken),
      batch.map((holder) => JSON.stringify(holder.output ?? null)),
      batch.map((holder) => holder.resultHash),
      batch.map((holder) => holder.agentId),
    ]);
    const runs = new Map(locked.map(({ owed: _owed, done: _done, ...run }) => [run.id, run]));
    if (runs.size === 0) return holders.map(() => undefined);
    if (owed) await owed(locked[0].owed ?? []);
    const rows = locked.flatMap((run) => run.done ?? []);
    if (rows.some(isElement)) gathering?.();
    const done = new Map<Holder, TaskRow>();
    const holderOf = new Map<string, Holder>();
    const durations = new Map<TaskRow, number>();
    const byRun = new Map<string, { others: TaskProgress[]; finished: TaskRow[] }>();
    for (const { others, durationMs, holder, ...task } of rows) {
      done.set(batch[holder], task);
      holderOf.set(task.id, batch[holder]);
      const progress = byRun.get(task.runId) ?? { others: [], finished: [] };
      if (others) progress.others = others;
      progress.finished.push(task);
      byRun.set(task.runId, progress);
      durations.set(task, durationMs);
    }
    // Run by run in lock order; each change in the context of the holder it is for.
    const within = <T>(task: TaskRow, work: () => Promise<T>) =>
      requestContext.run(holderOf.get(task.id)!.context, work);
    const succeeded: SucceededRun[] = [];
    for (const [runId, run] of runs) {
      const progress = byRun.get(runId);
      if (!progress) continue;
      const { finished, others } = progress;
      await within(finished[0], () => this.ensureRunning(tx, run));
      for (const task of finished) {
        await within(task, () =>
          this.taskChanged(tx, task, 'succeeded', 'claimed', durations.get(task) ?? null),
        );
      }
      const all: TaskProgress[] = [
        ...others,
        ...finished.map(({ stepKey, status, output, kind, elementIndex, elementCount }) => ({
          stepKey,
          status,
          output,
          kind,
          elementIndex,
          elementCount,
        })),
      ];
      const last = finished[finished.length - 1];
      if (tooLarge) {
        await within(last, () => this.failTooLarge(tx, run, last));
        continue;
      }
      await within(last, () => this.advance(tx, run, all, undefined, succeeded));
    }
    if (succeeded.length > 0) gathering?.();
    // Usage recorded after this may exceed a run's budget: it must read the run as finished.
    await this.finishSucceeded(tx, succeeded, !batch.some((holder) => holder.usage));
    return holders.map((holder) => done.get(holder));
  }

  /**
   * `task` succeeded, but what its run makes of the outputs next (a fan-out's output, the
   * input of a step that depends on them, the run's output) is larger than one PostgreSQL
   * value: the run fails, naming the task (a fan-out element's step is cancelled with the
   * run's other open steps). Every output stays as it was sent.
   */
  private async failTooLarge(tx: Transaction, run: RunRow, task: TaskRow): Promise<void> {
    await this.finishRun(tx, run, 'failed', {
      stepKey: task.stepKey,
      taskId: task.id,
      attempt: task.attempt,
      reason: 'failed',
      message:
        `Step ${task.stepKey}'s output was kept, but put together with the run's other ` +
        `outputs (as a fan-out's output, a step's input or the run's output) it makes a value ` +
        `larger than the 256 MB PostgreSQL stores in one.`,
      code: WorkflowErrorCode.RunValueTooLarge,
      ...(isElement(task) ? { elementIndex: task.elementIndex } : {}),
    });
  }

  /**
   * An attempt failed (`failed`) or ran out of time (`timed_out`): queued again after its
   * backoff when attempts are left and it may be retried, else the run fails.
   */
  async failAttempt(
    tx: Transaction,
    run: RunRow,
    task: TaskRow,
    outcome: 'failed' | 'timed_out',
    error: TaskError,
    retryable: boolean,
    resultHash: string | null,
  ): Promise<{ willRetry: boolean }> {
    assertTaskTransition(task.status, outcome);
    await this.ensureRunning(tx, run);
    const willRetry = retryable && task.attempt < task.maxAttempts;
    const [failed] = updatedRows<TaskRow & { durationMs: number }>(
      await tx.manager.query(
        `UPDATE workflow_tasks t SET status = $2, error = $3::jsonb, result_hash = $4,
                finished_at = now()
          WHERE t.id = $1 RETURNING ${TASK_COLUMNS}, ${DURATION_MS}`,
        [task.id, outcome, JSON.stringify(error), resultHash],
      ),
    );
    await this.progress.emitOwedOf(tx, [task.id]);
    await this.taskChanged(tx, failed, outcome, 'claimed', failed.durationMs, error);
    if (!willRetry) {
      // A fan-out element out of attempts fails its step; the run then cancels the others.
      if (isElement(task)) {
        await this.endFanOut(tx, task.runId, task.stepKey, {
          status: 'failed',
          error: {
            message: `Element ${task.elementIndex} failed on its last attempt (${task.attempt}): ${error.message}`,
            code: 'element_failed',
            elementIndex: task.elementIndex,
            taskId: task.id,
          },
        });
      }
      await this.finishRun(tx, run, 'failed', {
        stepKey: task.stepKey,
        taskId: task.id,
        attempt: task.attempt,
        reason: outcome,
        ...error,
        ...(isElement(task) ? { elementIndex: task.elementIndex } : {}),
      });
      return { willRetry };
    }
    // A run whose budget is spent holds the retry until the budget is raised.
    const held = run.status === 'budget_exceeded';
    assertTaskTransition(outcome, held ? 'held' : 'queued');
    const delay = backoffSeconds(task.retryBackoff, task.attempt);
    const [queued] = updatedRows<TaskRow>(
      await tx.manager.query(
        `UPDATE workflow_tasks t
            SET status = $3, attempt = attempt + 1,
                available_at = now() + make_interval(secs => $2),
                prev_lease_token = lease_token, prev_result_hash = result_hash,
                lease_token = NULL, result_hash = NULL, agent_id = NULL, lease_expires_at = NULL,
                claimed_at = NULL, deadline_at = NULL, finished_at = NULL,
                -- Not drawn again: after its backoff, whoever claims first.
                reserved_for = NULL, reserved_until = NULL
          WHERE t.id = $1 RETURNING ${TASK_COLUMNS}`,
        [task.id, delay, held ? 'held' : 'queued'],
      ),
    );
    await this.taskChanged(tx, { ...queued, agentId: task.agentId }, 'retried', outcome, null, {
      ...error,
    });
    // Held, not queued: said as a held task is (the retried entry's audit shows the status);
    // `task.queued` follows when the budget is raised.
    if (held) await this.taskEvent(tx, queued, 'held', null);
    // Claimable now or after its backoff: waiting agents hear it then, whenever this commits.
    if (!held) this.retries.announce(tx, queued.tenantId, queued.skill, delay);
    return { willRetry };
  }

  /**
   * Tasks a claim leased whose answer could not be delivered (its client hung up while it was
   * being claimed): back to the queue at once, their attempt unspent, instead of held for a
   * lease no agent knows of until it expires and times the attempt out. `held` instead while
   * the run's budget is exceeded. Their runs are locked first, as every path that moves a
   * claimed task does; a task no longer claimed under that lease (cancelled meanwhile) is left
   * as it is. Answers the tasks put back.
   */
  async putBack(
    tx: Transaction,
    tenantId: string,
    leases: Array<{ id: string; leaseToken: string }>,
  ): Promise<TaskRow[]> {
    const runs = await this.lockRunsOfTasks(
      tx,
      leases.map((lease) => ({ tenantId, taskId: lease.id })),
    );
    const held = runs.filter((run) => run.status === 'budget_exceeded').map((run) => run.id);
    const tasks = updatedRows<TaskRow>(
      await tx.manager.query(
        `UPDATE workflow_tasks t
            SET status = CASE WHEN t.run_id = ANY($4::uuid[]) THEN 'held' ELSE 'queued' END,
                agent_id = NULL, lease_token = NULL, claimed_at = NULL, claimed_after = NULL,
                lease_expires_at = NULL, deadline_at = NULL,
                -- Its agent hung up: the draw that picked it holds it for no one.
                reserved_for = NULL, reserved_until = NULL
           FROM unnest($2::uuid[], $3::varchar[]) AS u(id, lease_token)
          WHERE t.tenant_id = $1 AND t.id = u.id AND t.lease_token = u.lease_token
            AND t.status = 'claimed'
          RETURNING ${TASK_COLUMNS}`,
        [tenantId, leases.map((lease) => lease.id), leases.map((lease) => lease.leaseToken), held],
      ),
    );
    for (const task of tasks) {
      assertTaskTransition('claimed', task.status);
      await this.taskChanged(tx, task, task.status === 'held' ? 'held' : 'queued', 'claimed', null);
    }
    this.announceQueued(tx, tasks);
    return tasks;
  }

  /** Cancels a run that has not finished, and every task of it still queued or claimed. */
  async cancel(tx: Transaction, run: RunRow): Promise<RunRow> {
    assertRunTransition(run.status, 'cancelled');
    return this.finishRun(tx, run, 'cancelled', null);
  }

  /**
   * Cancels many unfinished runs the caller holds locked (a bulk cancel's batch): what `cancel`
   * does for each, with the same audit entries and events, in two statements for all of them.
   */
  async cancelAll(tx: Transaction, runs: RunRow[]): Promise<void> {
    if (runs.length === 0) return;
    for (const run of runs) assertRunTransition(run.status, 'cancelled');
    const ids = runs.map((run) => run.id);
    const tasks = updatedRows<TaskRow>(
      await tx.manager.query(
        `UPDATE workflow_tasks t SET status = 'cancelled', finished_at = now()
          WHERE t.run_id = ANY($1::uuid[]) AND t.status IN ('queued', 'held', 'claimed', 'waiting')
          RETURNING ${STORED_TASK_COLUMNS}`,
        [ids],
      ),
    );
    // As a single cancel (finishRun): the steps that waited (a wait, an approval, a sleep, a
    // fan-out, a github step) end with their runs, and so do their event waits.
    const waited = tasks.filter((task) => task.kind !== 'task').map((task) => task.runId);
    if (waited.length > 0) {
      await tx.manager.query(`DELETE FROM workflow_event_waits WHERE run_id = ANY($1::uuid[])`, [
        [...new Set(waited)],
      ]);
    }
    const finished = new Map(
      updatedRows<RunRow>(
        await tx.manager.query(
          `UPDATE workflow_runs r SET status = 'cancelled', output = 'null'::jsonb,
                  error = 'null'::jsonb, finished_at = now()
            WHERE r.id = ANY($1::uuid[]) RETURNING ${RUN_COLUMNS}`,
          [ids],
        ),
      ).map((run) => [run.id, run]),
    );
    await this.emitOwedProgress(tx, tasks);
    const tasksOf = new Map<string, TaskRow[]>();
    for (const task of tasks) tasksOf.set(task.runId, [...(tasksOf.get(task.runId) ?? []), task]);
    for (const run of runs) {
      for (const task of tasksOf.get(run.id) ?? []) {
        if (task.kind !== 'task') {
          await this.stepChanged(tx, task, 'cancelled', 'waiting');
          continue;
        }
        await this.taskChanged(tx, task, 'cancelled', openStatus(run, task), null);
      }
      const before = run.status;
      Object.assign(run, finished.get(run.id));
      await this.runChanged(tx, run, 'cancelled', before);
      if (run.concurrencyState !== null) this.promoteAfterCommit(tx, groupOf(run));
    }
    await this.startOnFinish(tx, runs);
    tx.afterCommit(() => runsFinished.inc({ status: 'cancelled' }, runs.length));
  }

  /**
   * Work still open in finished runs (the caller holds the runs' locks): steps left waiting by
   * an earlier bulk cancel, a task left claimed. Cancelled now as the run's finish would have,
   * with their event waits. The timer and the reaper meet them (a sleep stays due, a lease runs
   * out), and must neither move a finished run on nor be held back by them.
   */
  async cancelLeftovers(tx: Transaction, runIds: string[]): Promise<number> {
    const tasks = updatedRows<TaskRow & { before: TaskStatus }>(
      await tx.manager.query(
        `UPDATE workflow_tasks t SET status = 'cancelled', finished_at = now()
           FROM (SELECT o.id, o.status FROM workflow_tasks o
                  WHERE o.run_id = ANY($1::uuid[])
                    AND o.status IN ('queued', 'held', 'claimed', 'waiting')
                    AND EXISTS (SELECT 1 FROM workflow_runs r WHERE r.id = o.run_id
                                   AND r.status IN ('succeeded', 'failed', 'cancelled'))
                  ORDER BY o.id FOR UPDATE) open
          WHERE t.id = open.id
          RETURNING ${STORED_TASK_COLUMNS}, open.status AS before`,
        [runIds],
      ),
    );
    if (tasks.length === 0) return 0;
    await tx.manager.query(`DELETE FROM workflow_event_waits WHERE run_id = ANY($1::uuid[])`, [
      [...new Set(tasks.map((task) => task.runId))],
    ]);
    await this.emitOwedProgress(tx, tasks);
    for (const { before, ...task } of tasks) {
      if (task.kind === 'task') await this.taskChanged(tx, task, 'cancelled', before, null);
      else await this.stepChanged(tx, task, 'cancelled', before);
    }
    return tasks.length;
  }

  /**
   * running → budget_exceeded (the caller holds the run's lock): its queued tasks are held, so
   * no claim takes them; its claimed ones may finish (their usage still counts), and steps that
   * become ready meanwhile are created held. `workflow.budget.exceeded` names the limits passed.
   */
  async exceedBudget(tx: Transaction, run: RunRow, exceeded: BudgetLimit[]): Promise<void> {
    assertRunTransition(run.status, 'budget_exceeded');
    await tx.manager.query(`UPDATE workflow_runs SET status = 'budget_exceeded' WHERE id = $1`, [
      run.id,
    ]);
    const held = updatedRows<TaskRow>(
      await tx.manager.query(
        `UPDATE workflow_tasks t SET status = 'held'
          WHERE t.run_id = $1 AND t.status = 'queued' RETURNING ${STORED_TASK_COLUMNS}`,
        [run.id],
      ),
    );
    const before = run.status;
    run.status = 'budget_exceeded';
    await this.budgetChanged(tx, run, 'exceeded', before, { exceeded, heldTasks: held.length });
    for (const task of held) await this.taskChanged(tx, task, 'held', 'queued', null);
  }

  /**
   * A retried run (at once, or once its concurrency slot frees) whose usage so far already
   * passes its budget: it starts and stops again, as a report that took it over would have
   * stopped it, its queued tasks held until the budget is raised. The wall clock is left to
   * the budget sweeper (the run keeps its first start).
   */
  private async stopIfOverBudget(tx: Transaction, run: RunRow): Promise<void> {
    if (run.status !== 'running' && run.status !== 'pending') return;
    const exceeded = exceededLimits(run.budget, run.usage, null);
    if (exceeded.length === 0) return;
    await this.ensureRunning(tx, run);
    await this.exceedBudget(tx, run, exceeded);
  }

  /**
   * A new budget for an unfinished run (the caller holds its lock and has checked its usage is
   * within it): a budget_exceeded run runs again and its held tasks are queued, in the order
   * they would have been (their priority and available_at are kept).
   */
  async changeBudget(tx: Transaction, run: RunRow, budget: Budget): Promise<void> {
    const resumes = run.status === 'budget_exceeded';
    if (resumes) assertRunTransition(run.status, 'running');
    const previous = run.budget;
    await tx.manager.query(
      `UPDATE workflow_runs SET budget = $2::jsonb, status = $3 WHERE id = $1`,
      [run.id, JSON.stringify(budget), resumes ? 'running' : run.status],
    );
    const before = run.status;
    run.budget = budget;
    if (resumes) run.status = 'running';
    const queued = resumes
      ? updatedRows<TaskRow>(
          await tx.manager.query(
            `UPDATE workflow_tasks t SET status = 'queued'
              WHERE t.run_id = $1 AND t.status = 'held' RETURNING ${STORED_TASK_COLUMNS}`,
            [run.id],
          ),
        )
      : [];
    await this.budgetChanged(tx, run, 'changed', before, {
      previousBudget: previous,
      resumedTasks: queued.length,
    });
    for (const task of queued) await this.taskChanged(tx, task, 'queued', 'held', null);
    this.announceQueued(tx, queued);
  }

  /** Waiting claims hear of the queued ones of `tasks` once `tx` commits: one per skill. */
  private announceQueued(tx: Transaction, tasks: TaskRow[]): void {
    const signals = new Set(
      tasks
        .filter((task) => task.status === 'queued')
        .map((task) => taskSignal(task.tenantId, task.skill)),
    );
    for (const signal of signals) this.notifications.notifyAfterCommit(tx, TASKS_CHANNEL, signal);
  }

  /** A run's budget was passed or changed: audit entry and `workflow.budget.*` event. */
  private async budgetChanged(
    tx: Transaction,
    run: RunRow,
    event: 'exceeded' | 'changed',
    before: RunStatus,
    details: Record<string, unknown>,
  ): Promise<void> {
    const subject = { type: 'workflow', id: run.id };
    const state = { status: run.status, budget: run.budget, usage: run.usage };
    await this.audit.record(tx, {
      action: event === 'exceeded' ? 'workflow.budget_exceed' : 'workflow.budget_change',
      resource: subject,
      before: { status: before },
      after: { ...state, ...details },
      tenantId: run.tenantId,
    });
    await this.events.emit(tx, {
      type: `workflow.budget.${event}`,
      subject,
      tenantId: run.tenantId,
      data: {
        workflowId: run.id,
        type: run.type,
        definitionVersion: run.definitionVersion,
        ...state,
        ...details,
      },
    });
  }

  /**
   * Queues steps whose dependencies all succeeded (one INSERT for all of them), or ends the run
   * when every step did. `progress`: the run's tasks when the caller has just read them.
   */
  private async advance(
    tx: Transaction,
    run: RunRow,
    progress?: TaskProgress[],
    deferred?: QueuedStep[],
    succeeded?: SucceededRun[],
  ): Promise<void> {
    const tasks =
      progress ??
      (await tx.manager.query<TaskProgress[]>(
        `SELECT ${PROGRESS_COLUMNS} FROM workflow_tasks WHERE run_id = $1`,
        [run.id],
      ));
    const tooLarge = await this.finishFanOuts(tx, run, tasks);
    if (tooLarge) {
      await this.finishRun(tx, run, 'failed', tooLarge);
      return;
    }
    const outputs = new Map<string, unknown>();
    for (const task of tasks)
      if (task.status === 'succeeded' && !isElement(task) && task.stepKey !== ON_FINISH_KEY)
        outputs.set(task.stepKey, task.output);
    if (outputs.size === run.steps.length) {
      // Its output is gathered by PostgreSQL from its steps' (workflow_run_output).
      await this.ensureRunning(tx, run);
      if (succeeded) succeeded.push({ run, context: requestContext.get() });
      else await this.finishRun(tx, run, 'succeeded', null);
      return;
    }
    const ready = readySteps(
      run.steps,
      new Set(outputs.keys()),
      // A step's own row says it started: a fan-out's elements without it are those kept by a
      // retry that waited for its slot, the step still to start (see startFanOuts).
      new Set(tasks.filter((task) => !isElement(task)).map((task) => task.stepKey)),
    );
    if (ready.length === 0) return;
    const fanOuts = ready.filter((step) => step.forEach !== undefined);
    const taskSteps = ready.filter(
      (step) => stepKind(step) === 'task' && step.forEach === undefined,
    );
    const waitSteps = ready.filter((step) => stepKind(step) !== 'task');
    const inputOf = (step: StepSpec) => ({
      input: run.input ?? {},
      dependencies: Object.fromEntries(step.dependsOn.map((dep) => [dep, outputs.get(dep)])),
    });
    if (taskSteps.length > 0) await this.queueTasks(tx, run, taskSteps, inputOf, deferred);
    if (waitSteps.length > 0) await this.startWaiting(tx, run, waitSteps, inputOf);
    if (fanOuts.length === 0 || isTerminalRun(run.status)) return;
    // Steps with elements but no row of their own: those a retry that waited for its slot kept.
    const withElements = new Set(tasks.filter(isElement).map((task) => task.stepKey));
    const started = await this.startFanOuts(tx, run, fanOuts, inputOf, outputs, withElements);
    // An empty fan-out succeeded at once: its dependents may be ready now. What was just
    // started is passed on as such (its rows may still be in `deferred`), so it is not again.
    if (!isTerminalRun(run.status) && started.some((task) => task.status === 'succeeded')) {
      const placeholders = [...taskSteps, ...waitSteps].map((step): TaskProgress => ({
        stepKey: step.key,
        status: 'queued',
        output: null,
        kind: stepKind(step),
        elementIndex: null,
        elementCount: null,
      }));
      await this.advance(tx, run, [...tasks, ...placeholders, ...started], deferred, succeeded);
    }
  }

  /**
   * Fan-out steps that become ready: each resolves its forEach and gets its own row (kind
   * `fanout`, waiting) and one queued task per element, input `{...stepInput, item, index}`. A
   * forEach that does not resolve to an array of at most MAX_FAN_OUT elements fails the step
   * (and the run); an empty array succeeds it at once with `[]`. Answers the steps' rows as
   * they are after that.
   */
  private async startFanOuts(
    tx: Transaction,
    run: RunRow,
    steps: StepSpec[],
    inputOf: (step: StepSpec) => unknown,
    outputs: ReadonlyMap<string, unknown>,
    withElements: ReadonlySet<string>,
  ): Promise<TaskRow[]> {
    // The run stays pending until an agent claims an element, as with any task step.
    const plans = steps.map((step) => ({ step, plan: planFanOut(step, run.input, outputs) }));
    const kept = await this.keptElements(
      tx,
      run.id,
      plans.filter(({ step }) => withElements.has(step.key)),
    );
    const rows = await this.insertFanOuts(
      tx,
      run,
      plans.map(({ step, plan }) => ({
        step,
        input: inputOf(step),
        waitFor: { forEach: step.forEach, elements: plan.error ? null : plan.items.length },
        elementCount: plan.error ? null : plan.items.length,
      })),
    );
    const failed = plans.find(({ plan }) => plan.error);
    if (failed?.plan.error) {
      const row = rows.find((task) => task.stepKey === failed.step.key)!;
      const ended = await this.endFanOut(tx, run.id, row.stepKey, {
        status: 'failed',
        error: failed.plan.error,
      });
      await this.finishRun(tx, run, 'failed', {
        stepKey: row.stepKey,
        taskId: row.id,
        attempt: 1,
        reason: 'failed',
        ...failed.plan.error,
      });
      return rows.map((task) => (task.id === ended?.id ? ended : task));
    }
    const queued: QueuedStep[] = [];
    const answer: TaskRow[] = [];
    for (const { step, plan } of plans) {
      const row = rows.find((task) => task.stepKey === step.key)!;
      if (plan.error) continue;
      if (plan.items.length === 0) {
        answer.push(
          (await this.endFanOut(tx, run.id, step.key, { status: 'succeeded', output: [] })) ?? row,
        );
        continue;
      }
      const done = kept.get(step.key);
      if (done && done.size === plan.items.length) {
        const output = plan.items.map((_, index) => done.get(index));
        answer.push(
          (await this.endFanOut(tx, run.id, step.key, { status: 'succeeded', output })) ?? row,
        );
        continue;
      }
      answer.push(row);
      plan.items.forEach((item, index) => {
        if (done?.has(index)) return;
        const input = elementInput(item, index);
        const readInput = { ...(row.input as object), ...input };
        queued.push({ run, step, input, elementIndex: index, readInput });
      });
    }
    await this.insertQueued(tx, queued);
    return answer;
  }

  /**
   * The elements a fan-out step about to start already has, by step and element index, with
   * their outputs: those that succeeded before its run's retry waited for its concurrency slot
   * (see retry). Kept only when each is the element the plan has at its index; otherwise (the
   * plan resolved to other elements) they are retired and the step starts afresh. `plans`: the
   * steps that have elements already (none, for a fan-out starting the first time: no read).
   */
  private async keptElements(
    tx: Transaction,
    runId: string,
    plans: Array<{ step: StepSpec; plan: FanOutPlan }>,
  ): Promise<Map<string, Map<number, unknown>>> {
    const kept = new Map<string, Map<number, unknown>>();
    const planned = plans.filter(({ plan }) => !plan.error);
    if (planned.length === 0) return kept;
    const rows = await tx.manager.query<
      Array<{ stepKey: string; index: number; item: unknown; output: unknown }>
    >(
      `SELECT t.step_key AS "stepKey", t.element_index AS index, t.input -> 'item' AS item,
              t.output
         FROM workflow_tasks t
        WHERE t.run_id = $1 AND t.step_key = ANY($2::varchar[]) AND t.element_index IS NOT NULL
          AND t.status = 'succeeded'`,
      [runId, planned.map(({ step }) => step.key)],
    );
    const stale = new Set<string>();
    for (const row of rows) {
      const { plan } = planned.find(({ step }) => step.key === row.stepKey)!;
      const items = plan.error ? [] : plan.items;
      if (row.index >= items.length || !sameJson(row.item, items[row.index])) {
        stale.add(row.stepKey);
        continue;
      }
      const done = kept.get(row.stepKey) ?? new Map<number, unknown>();
      done.set(row.index, row.output);
      kept.set(row.stepKey, done);
    }
    if (stale.size > 0) {
      await tx.manager.query(
        retireTasks(
          `t.run_id = $1 AND t.element_index IS NOT NULL AND t.step_key = ANY($2::varchar[])`,
        ),
        [runId, [...stale]],
      );
      for (const key of stale) kept.delete(key);
    }
    return kept;
  }

  /** Fan-out steps' own rows, waiting for their elements: one INSERT, `fanned_out` for each. */
  private async insertFanOuts(
    tx: Transaction,
    run: RunRow,
    fanOuts: Array<{
      step: StepSpec;
      input: unknown;
      waitFor: Record<string, unknown>;
      elementCount: number | null;
    }>,
  ): Promise<TaskRow[]> {
    const rows = await tx.manager.query<TaskRow[]>(
      `INSERT INTO workflow_tasks AS t (id, tenant_id, run_id, step_key, kind, skill, status,
         priority, input, max_attempts, timeout_seconds, retry_backoff, wait_for, element_count)
       SELECT s.id, $2, $3, s.step_key, 'fanout', s.skill, 'waiting', $4, s.input, s.max_attempts,
              s.timeout_seconds, s.retry_backoff, s.wait_for, s.element_count
         FROM unnest($1::uuid[], $5::varchar[], $6::varchar[], $7::jsonb[], $8::int[], $9::int[],
                     $10::jsonb[], $11::jsonb[], $12::int[])
              AS s(id, step_key, skill, input, max_attempts, timeout_seconds, retry_backoff,
                   wait_for, element_count)
       RETURNING ${TASK_COLUMNS}`,
      [
        fanOuts.map(() => uuidv7()),
        run.tenantId,
        run.id,
        run.priority,
        fanOuts.map(({ step }) => step.key),
        fanOuts.map(({ step }) => step.skill),
        fanOuts.map(({ input }) => JSON.stringify(input)),
        fanOuts.map(({ step }) => step.maxAttempts),
        fanOuts.map(({ step }) => step.timeoutSeconds),
        fanOuts.map(({ step }) => JSON.stringify(step.retryBackoff)),
        fanOuts.map(({ waitFor }) => JSON.stringify(waitFor)),
        fanOuts.map(({ elementCount }) => elementCount),
      ],
    );
    const byStep = new Map(rows.map((row) => [row.stepKey, row]));
    const ordered = fanOuts.map(({ step }) => byStep.get(step.key)!);
    for (const row of ordered) await this.stepChanged(tx, row, 'fanned_out', null);
    return ordered;
  }

  /**
   * A fan-out step still waiting ends: succeeded (its output, the array) or failed (its error).
   * Undefined when it was not waiting.
   */
  private async endFanOut(
    tx: Transaction,
    runId: string,
    stepKey: string,
    outcome:
      | { status: 'succeeded'; output: unknown }
      | { status: 'failed'; error: FanOutError | (TaskError & Record<string, unknown>) },
  ): Promise<TaskRow | undefined> {
    assertTaskTransition('waiting', outcome.status);
    const [row] = updatedRows<TaskRow>(
      await tx.manager.query(
        `UPDATE workflow_tasks t SET status = $3, output = $4::jsonb, error = $5::jsonb,
                finished_at = now()
          WHERE t.run_id = $1 AND t.step_key = $2 AND t.kind = 'fanout' AND t.status = 'waiting'
          RETURNING ${TASK_COLUMNS}`,
        [
          runId,
          stepKey,
          outcome.status,
          outcome.status === 'succeeded' ? JSON.stringify(outcome.output) : null,
          outcome.status === 'failed' ? JSON.stringify(outcome.error) : null,
        ],
      ),
    );
    if (row) {
      await this.stepChanged(
        tx,
        row,
        outcome.status,
        'waiting',
        outcome.status === 'failed' ? outcome.error : undefined,
      );
    }
    return row;
  }

  /**
   * Fan-out steps whose every element succeeded end (under the run's lock, so once): their
   * output is the array of the elements' outputs in element order. `tasks` is updated to match.
   * One whose outputs add up to more than FAN_OUT_OUTPUT_MAX_BYTES fails instead: answers the
   * run's error then (the caller fails the run).
   */
  private async finishFanOuts(
    tx: Transaction,
    run: RunRow,
    tasks: TaskProgress[],
  ): Promise<Record<string, unknown> | undefined> {
    const waiting = tasks.filter((task) => task.kind === 'fanout' && task.status === 'waiting');
    if (waiting.length === 0) return undefined;
    const done = waiting.filter((fanOut) => {
      const elements = tasks.filter((task) => isElement(task) && task.stepKey === fanOut.stepKey);
      return (
        elements.length === fanOut.elementCount &&
        elements.every((task) => task.status === 'succeeded')
      );
    });
    if (done.length === 0) return undefined;
    const [tooLarge] = await tx.manager.query<
      Array<{ stepKey: string; bytes: string; elements: number }>
    >(
      `SELECT e.step_key AS "stepKey", sum(octet_length(e.output::text))::bigint AS bytes,
              count(*)::int AS elements
         FROM workflow_tasks e
        WHERE e.run_id = $1 AND e.step_key = ANY($2::varchar[]) AND e.element_index IS NOT NULL
        GROUP BY e.step_key HAVING sum(octet_length(e.output::text)) > $3
        ORDER BY e.step_key LIMIT 1`,
      [run.id, done.map((task) => task.stepKey), FAN_OUT_OUTPUT_MAX_BYTES],
    );
    if (tooLarge) {
      const megabytes = (bytes: number) => `${Math.ceil(bytes / 2 ** 20)} MiB`;
      const error = {
        message:
          `The outputs of the ${tooLarge.elements} elements add up to ` +
          `${megabytes(Number(tooLarge.bytes))}; a fan-out's output holds at most ` +
          `${megabytes(FAN_OUT_OUTPUT_MAX_BYTES)}.`,
        code: 'fan_out_output_too_large',
        bytes: Number(tooLarge.bytes),
        limitBytes: FAN_OUT_OUTPUT_MAX_BYTES,
      };
      const ended = await this.endFanOut(tx, run.id, tooLarge.stepKey, { status: 'failed', error });
      return { stepKey: tooLarge.stepKey, taskId: ended?.id, reason: 'failed', ...error };
    }
    const rows = updatedRows<TaskRow>(
      await tx.manager.query(
        `UPDATE workflow_tasks t SET status = 'succeeded', finished_at = now(),
                output = (SELECT coalesce(jsonb_agg(e.output ORDER BY e.element_index), '[]')
                            FROM workflow_tasks e
                           WHERE e.run_id = t.run_id AND e.step_key = t.step_key
                             AND e.element_index IS NOT NULL)
          WHERE t.run_id = $1 AND t.step_key = ANY($2::varchar[]) AND t.kind = 'fanout'
            AND t.status = 'waiting'
          RETURNING ${TASK_COLUMNS}`,
        [run.id, done.map((task) => task.stepKey)],
      ),
    );
    assertTaskTransition('waiting', 'succeeded');
    for (const row of rows) {
      await this.stepChanged(tx, row, 'succeeded', 'waiting');
      Object.assign(
        done.find((task) => task.stepKey === row.stepKey)!,
        {
          status: row.status,
          output: row.output,
        },
      );
    }
    return undefined;
  }

  private async queueTasks(
    tx: Transaction,
    run: RunRow,
    ready: StepSpec[],
    inputOf: (step: StepSpec) => unknown,
    deferred?: QueuedStep[],
  ): Promise<void> {
    const steps = ready.map((step) => ({ run, step, input: inputOf(step) }));
    if (deferred) deferred.push(...steps);
    else await this.insertQueued(tx, steps);
  }

  /**
   * Inserts ready task steps (of one run or several) as queued tasks (held, in a run whose
   * budget is spent): one INSERT for all. The rows come back with an element's own input
   * (STORED_TASK_COLUMNS): nothing here reads it, and a fan-out inserts up to 1,000.
   */
  private async insertQueued(tx: Transaction, ready: QueuedStep[]): Promise<void> {
    if (ready.length === 0) return;
    const inserted = await tx.manager.query<TaskRow[]>(
      `INSERT INTO workflow_tasks AS t (id, tenant_id, run_id, step_key, skill, status, priority,
         input, max_attempts, timeout_seconds, retry_backoff, element_index, rate_limit_key,
         rate_units)
       SELECT s.id, s.tenant_id, s.run_id, s.step_key, s.skill, s.status, s.priority, s.input,
              s.max_attempts, s.timeout_seconds, s.retry_backoff, s.element_index,
              s.rate_limit_key, s.rate_units
         FROM unnest($1::uuid[], $2::varchar[], $3::uuid[], $4::int[], $5::varchar[],
                     $6::varchar[], $7::jsonb[], $8::int[], $9::int[], $10::jsonb[], $11::int[],
                     $12::varchar[], $13::float8[], $14::varchar[])
              AS s(id, tenant_id, run_id, priority, step_key, skill, input, max_attempts,
                   timeout_seconds, retry_backoff, element_index, rate_limit_key, rate_units,
                   status)
       RETURNING ${STORED_TASK_COLUMNS}`,
      [
        ready.map(() => uuidv7()),
        ready.map(({ run }) => run.tenantId),
        ready.map(({ run }) => run.id),
        ready.map(({ run }) => run.priority),
        ready.map(({ step }) => step.key),
        ready.map(({ step }) => step.skill),
        ready.map(({ input }) => JSON.stringify(input)),
        ready.map(({ step }) => step.maxAttempts),
        ready.map(({ step }) => step.timeoutSeconds),
        ready.map(({ step }) => JSON.stringify(step.retryBackoff)),
        ready.map(({ elementIndex }) => elementIndex ?? null),
        ready.map(({ step }) => step.rateLimit?.key ?? null),
        ready.map(({ step, input, readInput }) =>
          step.rateLimit ? rateUnits(step.rateLimit, readInput ?? input) : null,
        ),
        ready.map(({ run }) => (run.status === 'budget_exceeded' ? 'held' : 'queued')),
      ],
    );
    // In step (and element) order, as the definitions list them (RETURNING promises no order).
    const keyOf = (runId: string, stepKey: string, index: number | null | undefined) =>
      `${runId}\n${stepKey}\n${index ?? ''}`;
    const byStep = new Map(
      inserted.map((task) => [keyOf(task.runId, task.stepKey, task.elementIndex), task]),
    );
    const routed = new Map<string, TaskRow[]>();
    for (const { run, step, elementIndex } of ready) {
      const task = byStep.get(keyOf(run.id, step.key, elementIndex))!;
      await this.taskChanged(tx, task, task.status === 'held' ? 'held' : 'queued', null, null);
      if (step.routing === 'outcome' && task.status !== 'held')
        routed.set(run.tenantId, [...(routed.get(run.tenantId) ?? []), task]);
    }
    // Claims waiting for these skills hear it once this commits (a run over its budget holds
    // its tasks); outcome-routed tasks are announced by the router, to the agent each was drawn
    // for.
    const signals = new Set(
      ready
        .filter(({ run }) => run.status !== 'budget_exceeded')
        .filter(({ step }) => step.routing !== 'outcome')
        .map(({ run, step }) => taskSignal(run.tenantId, step.skill)),
    );
    for (const signal of signals) this.notifications.notifyAfterCommit(tx, TASKS_CHANNEL, signal);
    for (const [tenantId, tasks] of routed) await this.router.reserve(tx, tenantId, tasks);
  }

  /**
   * Steps that are not tasks start waiting (never queued: no agent can claim them): one INSERT
   * for all, then per kind: an event wait is indexed by its type and match key; an approval is
   * requested; a wait for a signal consumes the oldest one the run was sent and kept, if any.
   * Always under the run's lock (as a signal is received), so a signal and the step starting to
   * wait for it cannot miss each other. Steps that end at once (a kept signal, a bad `until`)
   * end through `finishWaiting`, so the run moves on as with any step.
   */
  private async startWaiting(
    tx: Transaction,
    run: RunRow,
    ready: StepSpec[],
    inputOf: (step: StepSpec) => unknown,
  ): Promise<void> {
    await this.ensureRunning(tx, run);
    const now = Date.now();
    const plans = new Map<string, WaitPlan>(
      ready.map((step) => [step.key, planWait(step, inputOf(step), now)]),
    );
    const inserted = await tx.manager.query<TaskRow[]>(
      `INSERT INTO workflow_tasks AS t (id, tenant_id, run_id, step_key, kind, skill, status,
         priority, input, max_attempts, timeout_seconds, retry_backoff, wait_for, wake_at)
       SELECT s.id, $2, $3, s.step_key, s.kind, '', 'waiting', $4, s.input, s.max_attempts,
              s.timeout_seconds, s.retry_backoff, s.wait_for,
              coalesce(s.wake_at, now() + make_interval(secs => s.wake_in))
         FROM unnest($1::uuid[], $6::varchar[], $7::varchar[], $8::jsonb[], $9::int[], $10::jsonb[],
                     $11::timestamptz[], $12::float8[], $13::int[], $5::jsonb[])
              AS s(id, step_key, kind, input, timeout_seconds, wait_for, wake_at, wake_in,
                   max_attempts, retry_backoff)
       RETURNING ${TASK_COLUMNS}`,
      [
        ready.map(() => uuidv7()),
        run.tenantId,
        run.id,
        run.priority,
        ready.map((step) => JSON.stringify(step.retryBackoff ?? DEFAULT_BACKOFF)),
        ready.map((step) => step.key),
        ready.map((step) => stepKind(step)),
        ready.map((step) => JSON.stringify(inputOf(step))),
        ready.map((step) => step.timeoutSeconds),
        ready.map((step) => JSON.stringify(plans.get(step.key)!.waitFor)),
        ready.map((step) => plans.get(step.key)!.wakeAt),
        ready.map((step) => plans.get(step.key)!.wakeInSeconds),
        ready.map((step) => (stepKind(step) === 'github' ? step.maxAttempts : 1)),
      ],
    );
    const byStep = new Map(inserted.map((task) => [task.stepKey, task]));
    const ended: WaitOutcome[] = [];
    const bySignal = new Map<string, TaskRow[]>();
    for (const step of ready) {
      const task = byStep.get(step.key)!;
      const plan = plans.get(step.key)!;
      await this.stepChanged(tx, task, 'waiting', null);
      if (plan.error) {
        ended.push({ task, status: 'failed', error: plan.error });
        continue;
      }
      if (step.kind === 'approval') await this.approvalRequested(tx, run, task, step);
      if (plan.event) {
        await tx.manager.query(
          `INSERT INTO workflow_event_wait_shapes (tenant_id, event_type, paths)
           VALUES ($1, $2, $3::text[]) ON CONFLICT DO NOTHING`,
          [run.tenantId, plan.event.type, plan.event.paths],
        );
        await tx.manager.query(
          `INSERT INTO workflow_event_waits (task_id, tenant_id, run_id, event_type, match_key)
           VALUES ($1, $2, $3, $4, $5)`,
          [task.id, run.tenantId, run.id, plan.event.type, plan.event.key],
        );
      }
      if (step.signal !== undefined) {
        bySignal.set(step.signal, [...(bySignal.get(step.signal) ?? []), task]);
      }
    }
    for (const [name, waiting] of bySignal) {
      const [kept] = updatedRows<{ payload: unknown }>(
        await tx.manager.query(
          `UPDATE workflow_signals s SET consumed_at = now(), consumed_by = $3::varchar[]
            WHERE s.id = (SELECT k.id FROM workflow_signals k
                           WHERE k.run_id = $1 AND k.name = $2 AND k.consumed_at IS NULL
                           ORDER BY k.created_at, k.id LIMIT 1)
            RETURNING s.payload`,
          [run.id, name, waiting.map((task) => task.stepKey)],
        ),
      );
      if (kept) {
        for (const task of waiting)
          ended.push({ task, status: 'succeeded', output: kept.payload ?? null });
      }
    }
    if (ended.length > 0) await this.finishWaiting(tx, run, ended);
  }

  /**
   * Waiting steps of a locked run end: each is re-checked under the lock (a step that already
   * ended is left alone and not answered); a success moves the run on, as a task's does; a
   * failure or timeout fails the run (waits are never retried). Answers the steps it ended.
   */
  async finishWaiting(tx: Transaction, run: RunRow, outcomes: WaitOutcome[]): Promise<TaskRow[]> {
    return this.finishWaitingOf(tx, [{ run, outcomes }]);
  }

  /**
   * `finishWaiting` for several locked runs at once (the timer's batches): one UPDATE for every
   * step, one read of the runs' steps, then each run moves on (or fails) as on its own.
   */
  async finishWaitingOf(
    tx: Transaction,
    batch: Array<{ run: RunRow; outcomes: WaitOutcome[] }>,
  ): Promise<TaskRow[]> {
    const live = batch.filter(
      ({ run, outcomes }) => !isTerminalRun(run.status) && outcomes.length > 0,
    );
    if (live.length === 0) return [];
    const outcomes = live.flatMap(({ run, outcomes }) =>
      outcomes.map((outcome) => ({ run, outcome })),
    );
    for (const { outcome } of outcomes) assertTaskTransition('waiting', outcome.status);
    for (const { run } of live) await this.ensureRunning(tx, run);
    const rows = updatedRows<TaskRow & { n: number }>(
      await tx.manager.query(
        `UPDATE workflow_tasks t SET status = o.status, output = o.output, error = o.error,
                finished_at = now()
           FROM unnest($1::uuid[], $2::uuid[], $3::varchar[], $4::jsonb[], $5::jsonb[])
                WITH ORDINALITY AS o(id, run_id, status, output, error, n)
          WHERE t.id = o.id AND t.run_id = o.run_id AND t.status = 'waiting'
          RETURNING ${TASK_COLUMNS}, o.n::int AS n`,
        [
          outcomes.map(({ outcome }) => outcome.task.id),
          outcomes.map(({ run }) => run.id),
          outcomes.map(({ outcome }) => outcome.status),
          outcomes.map(({ outcome }) =>
            outcome.status === 'succeeded' ? JSON.stringify(outcome.output ?? null) : null,
          ),
          outcomes.map(({ outcome }) => (outcome.error ? JSON.stringify(outcome.error) : null)),
        ],
      ),
    );
    if (rows.length === 0) return [];
    // In the order asked (RETURNING promises none).
    rows.sort((x, y) => x.n - y.n);
    const done = rows.map(({ n, ...row }) => ({
      row: row,
      error: outcomes[n - 1].outcome.error,
    }));
    for (const { row, error } of done)
      await this.stepChanged(tx, row, row.status as StepEvent, 'waiting', error);
    const indexed = done.filter(({ row }) => row.kind === 'wait' && row.waitFor?.event);
    if (indexed.length > 0) {
      await tx.manager.query(`DELETE FROM workflow_event_waits WHERE task_id = ANY($1::uuid[])`, [
        indexed.map(({ row }) => row.id),
      ]);
    }
    await this.moveOnAfterWaiting(
      tx,
      live.map(({ run }) => run),
      done,
    );
    return done.map(({ row }) => row);
  }

  /**
   * The second half of `finishWaitingOf`, for callers that ended the steps themselves (the
   * timer's one-statement wake): `ended` in the order the steps ended. A failure or timeout
   * fails its run; the runs whose ended steps all succeeded move on, their next tasks inserted
   * together. `progress`: the runs' tasks as they are now (ended steps included), when the
   * caller read them with the change; else they are read here.
   */
  async moveOnAfterWaiting(
    tx: Transaction,
    runs: RunRow[],
    ended: Array<{
      row: Pick<TaskRow, 'id' | 'runId' | 'stepKey' | 'attempt' | 'status'>;
      error?: TaskError;
    }>,
    progress?: Map<string, TaskProgress[]>,
  ): Promise<void> {
    const byRun = new Map<string, typeof ended>();
    for (const step of ended)
      byRun.set(step.row.runId, [...(byRun.get(step.row.runId) ?? []), step]);
    const moving: RunRow[] = [];
    for (const run of runs) {
      const mine = byRun.get(run.id);
      if (!mine) continue;
      const failed = mine.find(({ row }) => row.status !== 'succeeded');
      if (!failed) {
        moving.push(run);
        continue;
      }
      await this.finishRun(tx, run, 'failed', {
        stepKey: failed.row.stepKey,
        taskId: failed.row.id,
        attempt: failed.row.attempt,
        reason: failed.row.status,
        ...(failed.error ?? { message: 'The step failed.' }),
      });
    }
    if (moving.length === 0) return;
    let tasksOf = progress;
    if (!tasksOf) {
      const rows = await tx.manager.query<Array<TaskProgress & { runId: string }>>(
        `SELECT run_id AS "runId", ${PROGRESS_COLUMNS} FROM workflow_tasks
          WHERE run_id = ANY($1::uuid[])`,
        [moving.map((run) => run.id)],
      );
      tasksOf = new Map<string, TaskProgress[]>(moving.map((run) => [run.id, []]));
      for (const { runId, ...task } of rows) tasksOf.get(runId)!.push(task);
    }
    // Their next tasks are inserted together, after every run has been moved on.
    const deferred: QueuedStep[] = [];
    for (const run of moving) await this.advance(tx, run, tasksOf.get(run.id) ?? [], deferred);
    await this.queueWoken(tx, deferred);
  }

  /**
   * `insertQueued` for `moveOnAfterWaiting`: the tasks, their audit entries and their events
   * in one statement (`QUEUE_WOKEN_TASKS`), nothing read back. Outcome-routed steps still go
   * through `insertQueued`: the router reserves each one for an agent from its row.
   */
  private async queueWoken(tx: Transaction, ready: QueuedStep[]): Promise<void> {
    const plain = ready.filter(({ step }) => step.routing !== 'outcome');
    if (plain.length > 0) {
      // What woke them (a signal received, a decision, the steps that ended) is told first:
      // the statement's events take their positions as it inserts them.
      await this.events.writeNow(tx);
      await preparedQuery(
        tx,
        QUEUE_WOKEN_TASKS,
        queueWokenParameters(
          plain.map(({ run, step, input, elementIndex, readInput }) => ({
            tenantId: run.tenantId,
            runId: run.id,
            priority: run.priority,
            stepKey: step.key,
            skill: step.skill,
            input,
            maxAttempts: step.maxAttempts,
            timeoutSeconds: step.timeoutSeconds,
            retryBackoff: step.retryBackoff,
            elementIndex: elementIndex ?? null,
            rateLimitKey: step.rateLimit?.key ?? null,
            rateUnits: step.rateLimit ? rateUnits(step.rateLimit, readInput ?? input) : null,
            status: run.status === 'budget_exceeded' ? 'held' : 'queued',
            keyed: run.concurrencyKey !== null,
          })),
          requestContext.get(),
        ),
      );
      this.events.writtenIn(tx);
      // Claims waiting for these skills hear it once this commits (not a run over its budget).
      const signals = new Set(
        plain
          .filter(({ run }) => run.status !== 'budget_exceeded')
          .map(({ run, step }) => taskSignal(run.tenantId, step.skill)),
      );
      for (const signal of signals) this.notifications.notifyAfterCommit(tx, TASKS_CHANNEL, signal);
    }
    await this.insertQueued(
      tx,
      ready.filter(({ step }) => step.routing === 'outcome'),
    );
  }

  /** `workflow.approval.requested`: who may decide, and where (webhook-able). */
  private async approvalRequested(
    tx: Transaction,
    run: RunRow,
    task: TaskRow,
    step: StepSpec,
  ): Promise<void> {
    const base = `${this.config.publicUrl}/api/v1/workflows/${run.id}/steps/${encodeURIComponent(step.key)}`;
    await this.events.emit(tx, {
      type: 'workflow.approval.requested',
      subject: { type: 'workflow', id: run.id },
      tenantId: run.tenantId,
      data: {
        workflowId: run.id,
        type: run.type,
        stepKey: step.key,
        taskId: task.id,
        description: step.description ?? null,
        approvers: step.approvers ?? [],
        deadline: task.wakeAt ? new Date(task.wakeAt).toISOString() : null,
        approveUrl: `${base}/approve`,
        rejectUrl: `${base}/reject`,
      },
    });
  }

  /** pending → running for a run whose task moves on before any claim could mark it. */
  private async ensureRunning(tx: Transaction, run: RunRow): Promise<void> {
    if (run.status !== 'pending') return;
    assertRunTransition(run.status, 'running');
    await tx.manager.query(
      `UPDATE workflow_runs SET status = 'running', started_at = coalesce(started_at, now()) WHERE id = $1`,
      [run.id],
    );
    run.status = 'running';
    await this.runChanged(tx, run, 'started', 'pending');
  }

  /**
   * Ends a run: a succeeded one with the output PostgreSQL gathers from its steps'
   * (workflow_run_output), which is not read back (`output` null here); the others with none.
   */
  private async finishRun(
    tx: Transaction,
    run: RunRow,
    status: Extract<RunStatus, 'succeeded' | 'failed' | 'cancelled'>,
    error: unknown,
  ): Promise<RunRow> {
    assertRunTransition(run.status, status);
    // A run succeeds only when every task did: nothing is left to cancel then.
    const cancelled = status === 'succeeded' ? [] : await this.cancelOpenTasks(tx, run.id);
    await this.emitOwedProgress(tx, cancelled);
    for (const task of cancelled) {
      if (task.kind !== 'task') {
        assertTaskTransition('waiting', 'cancelled');
        await this.stepChanged(tx, task, 'cancelled', 'waiting');
        continue;
      }
      const open = openStatus(run, task);
      assertTaskTransition(open, 'cancelled');
      await this.taskChanged(tx, task, 'cancelled', open, null);
    }
    if (cancelled.some((task) => task.kind !== 'task')) {
      await tx.manager.query(`DELETE FROM workflow_event_waits WHERE run_id = $1`, [run.id]);
    }
    const [finished] = updatedRows<RunRow>(
      await tx.manager.query(
        `UPDATE workflow_runs r SET status = $2::varchar,
                output = CASE WHEN $2::varchar = 'succeeded' THEN workflow_run_output(r.id)
                              ELSE 'null'::jsonb END,
                error = $3::jsonb, finished_at = now()
          WHERE r.id = $1 RETURNING ${FINISHED_RUN_COLUMNS}`,
        [run.id, status, JSON.stringify(error)],
      ),
    );
    const before = run.status;
    Object.assign(run, finished);
    tx.afterCommit(() => runsFinished.inc({ status }));
    // Its slot (or its place in the queue) is free once this commits: the queue moves on.
    if (run.concurrencyState !== null) this.promoteAfterCommit(tx, groupOf(run));
    await this.runChanged(tx, finished, status, before);
    await this.startOnFinish(tx, [finished]);
    return finished;
  }

  /**
   * Runs whose every step succeeded finish together: one UPDATE for all, then, run by run in
   * the order they were moved on, what `finishRun` does after its UPDATE, each in the context
   * of the request that completed its last step. `deferrable`: nothing else in the transaction
   * reads these runs, so those without an `onFinish` step (which reads the finished row) are
   * finished in the transaction's last write, with their audit entries and events: a round trip
   * fewer for each completion batch.
   */
  private async finishSucceeded(
    tx: Transaction,
    succeeded: SucceededRun[],
    deferrable: boolean,
  ): Promise<void> {
    if (succeeded.length === 0) return;
    for (const { run } of succeeded) assertRunTransition(run.status, 'succeeded');
    const later = deferrable ? succeeded.filter(({ run }) => !run.onFinish) : [];
    const now = later.length === 0 ? succeeded : succeeded.filter(({ run }) => run.onFinish);
    // A function, so that its plan is kept (migrations FinishRunsFunction, RunOutputGathered).
    const statement = `SELECT count(*) FROM workflow_finish_runs_from_tasks($1::uuid[])`;
    const ids = (runs: SucceededRun[]) => [runs.map(({ run }) => run.id)];
    if (now.length > 0) await tx.manager.query(statement, ids(now));
    if (later.length > 0) tx.writeBeforeCommit(statement, ids(later));
    for (const { run, context } of succeeded) {
      // As the function writes it, its output not read back (tens of MB at times);
      // `finishedAt` is the clock's reading here, not the database's.
      const finished: RunRow = {
        ...run,
        status: 'succeeded',
        output: null,
        error: null,
        finishedAt: new Date(),
      };
      const work = async () => {
        const before = run.status;
        Object.assign(run, finished);
        tx.afterCommit(() => runsFinished.inc({ status: 'succeeded' }));
        // Its slot (or its place in the queue) is free once this commits: the queue moves on.
        if (run.concurrencyState !== null) this.promoteAfterCommit(tx, groupOf(run));
        await this.runChanged(tx, finished, 'succeeded', before);
        await this.startOnFinish(tx, [finished]);
      };
      await (context ? requestContext.run(context, work) : work());
    }
  }

  /**
   * Finished runs with an `onFinish` step: it starts now (due at once for the GitHub workers),
   * with the run's input and the outputs of its succeeded steps. A run retried and finished
   * again reports again: the step's row starts over.
   */
  private async startOnFinish(tx: Transaction, runs: RunRow[]): Promise<void> {
    const reporting = runs.filter((run) => run.onFinish);
    if (reporting.length === 0) return;
    const started = await tx.manager.query<TaskRow[]>(
      `INSERT INTO workflow_tasks AS t (id, tenant_id, run_id, step_key, kind, skill, status,
         priority, input, max_attempts, retry_backoff, wait_for, wake_at)
       SELECT s.id, s.tenant_id, s.run_id, $4, 'github', '', 'waiting', 0,
              jsonb_build_object('input', coalesce(r.input, '{}'::jsonb),
                                 'dependencies', coalesce(r.output, '{}'::jsonb)),
              (r.on_finish->>'maxAttempts')::int, r.on_finish->'retryBackoff',
              jsonb_build_object('github', jsonb_build_object('action', r.on_finish->>'action')),
              now()
         FROM unnest($1::uuid[], $2::varchar[], $3::uuid[]) AS s(id, tenant_id, run_id)
         JOIN workflow_runs r ON r.id = s.run_id
       ON CONFLICT (run_id, step_key) WHERE element_index IS NULL DO UPDATE
          SET status = 'waiting', attempt = 1, input = EXCLUDED.input, output = NULL,
              error = NULL, wake_at = now(), lease_token = NULL, finished_at = NULL,
              created_at = now()
       RETURNING ${TASK_COLUMNS}`,
      [
        reporting.map(() => uuidv7()),
        reporting.map((run) => run.tenantId),
        reporting.map((run) => run.id),
        ON_FINISH_KEY,
      ],
    );
    for (const task of started) await this.stepChanged(tx, task, 'waiting', null);
  }

  /**
   * A step of a run that has already finished (its `onFinish`) ends: its row only; the run
   * stays as it finished. Answers the row, or undefined when it was no longer waiting.
   */
  async finishAfterRun(tx: Transaction, outcome: WaitOutcome): Promise<TaskRow | undefined> {
    assertTaskTransition('waiting', outcome.status);
    const [row] = updatedRows<TaskRow>(
      await tx.manager.query(
        `UPDATE workflow_tasks t SET status = $2, output = $3::jsonb, error = $4::jsonb,
                finished_at = now()
          WHERE t.id = $1 AND t.status = 'waiting' RETURNING ${TASK_COLUMNS}`,
        [
          outcome.task.id,
          outcome.status,
          outcome.status === 'succeeded' ? JSON.stringify(outcome.output ?? null) : null,
          outcome.error ? JSON.stringify(outcome.error) : null,
        ],
      ),
    );
    if (row) await this.stepChanged(tx, row, outcome.status, 'waiting', outcome.error);
    return row;
  }

  /**
   * Cancelled tasks' attempts that were claimed: their latest progress reports still owed
   * (held back by PROGRESS_INTERVAL_MS) are written before the tasks' ends.
   */
  private async emitOwedProgress(tx: Transaction, cancelled: TaskRow[]): Promise<void> {
    const claimed = cancelled.filter((task) => task.kind === 'task' && task.agentId !== null);
    if (claimed.length === 0) return;
    await this.progress.emitOwedOf(
      tx,
      claimed.map((task) => task.id),
    );
  }

  private async cancelOpenTasks(tx: Transaction, runId: string): Promise<TaskRow[]> {
    return updatedRows<TaskRow>(
      await tx.manager.query(
        `UPDATE workflow_tasks t SET status = 'cancelled', finished_at = now()
          WHERE t.run_id = $1 AND t.status IN ('queued', 'held', 'claimed', 'waiting')
          RETURNING ${STORED_TASK_COLUMNS}`,
        [runId],
      ),
    );
  }

  private async runChanged(
    tx: Transaction,
    run: RunRow,
    event: RunEvent,
    before: RunStatus | null,
  ): Promise<void> {
    const subject = { type: 'workflow', id: run.id };
    await this.audit.record(tx, {
      action: RUN_ACTIONS[event],
      resource: subject,
      before: before === null ? undefined : { status: before },
      after: { status: run.status, type: run.type },
      tenantId: run.tenantId,
    });
    await this.events.emit(tx, {
      type: `workflow.${event}`,
      subject,
      tenantId: run.tenantId,
      // A succeeded run's output, as its finish gathered it (workflow_run_output).
      ...(event === 'succeeded' ? { outputOfRun: run.id } : {}),
      data: {
        workflowId: run.id,
        type: run.type,
        definitionVersion: run.definitionVersion,
        status: run.status,
        ...(run.startAt && event === 'created'
          ? { startAt: new Date(run.startAt).toISOString() }
          : {}),
        ...(event === 'failed' ? { error: run.error } : {}),
      },
    });
  }

  /** A step that is not a task changed: audit entry and `workflow.step.*` event. */
  private async stepChanged(
    tx: Transaction,
    task: TaskRow,
    event: StepEvent,
    before: TaskStatus | null,
    error?: TaskError,
  ): Promise<void> {
    await this.audit.record(tx, {
      action: STEP_ACTIONS[event],
      resource: { type: 'task', id: task.id },
      before: before === null ? undefined : { status: before },
      after: { status: task.status, kind: task.kind },
      tenantId: task.tenantId,
    });
    await this.events.emit(tx, {
      type: `workflow.step.${event}`,
      subject: { type: 'workflow', id: task.runId },
      tenantId: task.tenantId,
      data: {
        taskId: task.id,
        workflowId: task.runId,
        stepKey: task.stepKey,
        kind: task.kind,
        status: task.status,
        ...(event === 'waiting'
          ? {
              waitingFor: task.waitFor,
              deadline: task.wakeAt ? new Date(task.wakeAt).toISOString() : null,
            }
          : {}),
        ...(task.kind === 'fanout'
          ? { forEach: task.waitFor?.forEach ?? null, elements: task.elementCount }
          : {}),
        ...(error ? { error } : {}),
      },
    });
  }

  private async taskChanged(
    tx: Transaction,
    task: TaskRow,
    event: TaskEvent,
    before: TaskStatus | null,
    durationMs: number | null,
    error?: TaskError,
  ): Promise<void> {
    if (
      event === 'succeeded' ||
      event === 'failed' ||
      event === 'timed_out' ||
      event === 'cancelled'
    ) {
      tx.afterCommit(() => attemptsFinished.inc({ status: event }));
    }
    await this.audit.record(tx, {
      action: TASK_ACTIONS[event],
      resource: { type: 'task', id: task.id },
      before: before === null ? undefined : { status: before },
      after: { status: task.status, attempt: task.attempt, agentId: task.agentId },
      tenantId: task.tenantId,
    });
    await this.taskEvent(tx, task, event, durationMs, error);
  }

  /** The `task.*` event of a change (taskChanged: with its audit entry). */
  private async taskEvent(
    tx: Transaction,
    task: TaskRow,
    event: TaskEvent,
    durationMs: number | null,
    error?: TaskError,
  ): Promise<void> {
    await this.events.emit(tx, {
      type: `task.${event}`,
      subject: { type: 'workflow', id: task.runId },
      tenantId: task.tenantId,
      data: {
        taskId: task.id,
        workflowId: task.runId,
        stepKey: task.stepKey,
        skill: task.skill,
        agentId: task.agentId ?? null,
        attempt: event === 'retried' ? task.attempt - 1 : task.attempt,
        durationMs,
        ...(isElement(task) ? { elementIndex: task.elementIndex } : {}),
        ...(error ? { error } : {}),
        ...(event === 'retried'
          ? { nextAttempt: task.attempt, availableAt: new Date(task.availableAt).toISOString() }
          : {}),
      },
    });
  }
}

/**
 * The runs of the tasks `$1`/`$2` (tenant ids, task ids), locked in id order. The lock is the
 * function `workflow_lock_runs_of_tasks` (RunLockFunction and RunLockByKey migrations), which
 * keeps its plans for its read of the tasks and its lock of each run, where this statement was
 * planned on every call.
 */
const LOCK_RUNS_OF_TASKS = `SELECT ${RUN_COLUMNS}
     FROM workflow_lock_runs_of_tasks($1::varchar[], $2::uuid[]) r`;

/** A task a completion batch marked succeeded, as SUCCEED_TASKS answers it. */
type DoneTask = TaskRow & {
  durationMs: number;
  /** The run's other tasks, on the first of each run's tasks only. */
  others: TaskProgress[] | null;
  /** Which request of the batch it was done for. */
  holder: number;
};

/**
 * The runs of the completed tasks (`$1`/`$2`, tenant ids and task ids) locked in id order, each
 * with its tasks marked succeeded under the leases given (`$3`-`$6`: lease tokens, outputs,
 * result hashes, the agents an agent-bound key acts for) as `done` (DoneTask[], as JSON: their
 * times are strings), and `extra` columns. The lock and the update are two functions, called
 * in this order, so that the second reads the runs' other tasks after the first holds the
 * locks (SucceedTasksFunction migration; SucceedTasksNeededOutputs: the other steps' outputs
 * only where moving the run on reads them).
 */
function succeedTasksSql(extra: string): string {
  return `WITH locked AS MATERIALIZED (
       SELECT * FROM workflow_lock_runs_of_tasks($1::varchar[], $2::uuid[])),
     done AS MATERIALIZED (
       SELECT * FROM workflow_succeed_tasks_needed(ARRAY(SELECT id FROM locked), $1::varchar[],
                                            $2::uuid[], $3::varchar[], $4::jsonb[],
                                            $5::varchar[], $6::varchar[]))
   SELECT ${RUN_COLUMNS},
          (SELECT json_agg(x ORDER BY x.holder)
             FROM (SELECT ${TASK_COLUMNS}, d.duration_ms AS "durationMs", d.others, d.holder
                     FROM done d CROSS JOIN LATERAL (SELECT (d.task).*) t
                    WHERE t.run_id = r.id) x) AS done${extra}
     FROM locked r
    ORDER BY r.id`;
}

const SUCCEED_TASKS = succeedTasksSql('');
/** The same, with the progress the tasks still owe (`OwedProgress[]` or null) as `owed`. */
const SUCCEED_TASKS_OWING = succeedTasksSql(`, ${OWED_PROGRESS_SQL} AS owed`);

/**
 * Deletes the tasks `where` selects (over `workflow_tasks t`) and keeps each, as its row stood,
 * in `workflow_tasks_retired`; answers them as TASK_COLUMNS. One statement. A fan-out element
 * is kept with the whole input its agent was given: its row holds only its item and index, the
 * rest is its step's, whose row may be retired before it or replaced later.
 */
function retireTasks(where: string): string {
  return `WITH t AS (DELETE FROM workflow_tasks t WHERE ${where} RETURNING t.*),
     kept AS (
       INSERT INTO workflow_tasks_retired (id, tenant_id, run_id, task)
       SELECT t.id, t.tenant_id, t.run_id,
              CASE WHEN t.element_index IS NULL THEN to_jsonb(t)
                   ELSE jsonb_set(to_jsonb(t), '{input}', coalesce(
                     ${STEP_INPUT},
                     (SELECT r.task -> 'input' FROM workflow_tasks_retired r
                       WHERE r.run_id = t.run_id AND r.task ->> 'step_key' = t.step_key
                         AND r.task -> 'element_index' = 'null'::jsonb
                       ORDER BY r.retired_at DESC LIMIT 1),
                     '{}'::jsonb) || t.input) END
         FROM t
       ON CONFLICT (id) DO NOTHING)
   SELECT ${TASK_COLUMNS} FROM t`;
}
