import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { currentTenantId } from '../common/context/request-context';
import {
  BadRequestError,
  ConflictError,
  FieldError,
  UnprocessableError,
} from '../common/errors/domain-error';
import { UUID_PATTERN } from '../common/ids';
import { BudgetedRow, decodeCursor, Page, PAGE_BYTES, toBudgetedPage } from '../common/pagination';
import { isValueTooLarge } from '../database/database-errors';
import { ReadRouter } from '../database/read-router';
import { Budget, BUDGET_LIMITS, BudgetLimit, exceededLimits } from './usage/usage';
import { Transaction, UnitOfWork } from '../database/unit-of-work';
import { DomainEvent } from '../events/domain-event';
import { EventsService } from '../events/events.service';
import { ConcurrencySpec, keyValue } from './concurrency';
import { groupOf, lockGroups, waitingAhead } from './concurrency-slots';
import { normaliseSteps, StepSpec } from './dag';
import { LIMIT_TOKENS_SQL } from './rate-limit-shards';
import { Bucket, tokensReturnAt } from './rate-limit-units';
import { GithubCredentials } from '../github/github-credentials';
import { DefinitionsService } from './definitions.service';
import { CreateRunDto } from './dto/run.dto';
import { WorkflowEngine } from './engine';
import { isTerminalRun, RUN_STATUSES, RunStatus, TaskStatus } from './state-machine';
import {
  RUN_COLUMNS,
  RUN_STORED_SIZE,
  RunRow,
  TASK_COLUMNS,
  TASK_STORED_SIZE,
  TaskRow,
} from './workflow-rows';
import { FanOutStepNotFoundError, RunNotFoundError, WorkflowErrorCode } from './workflows.errors';

/**
 * Why a run that has not finished is not moving: its delayed start, a slot of its concurrency
 * key (with how many runs wait before it), or its paused definition.
 */
export type RunWaiting =
  | { reason: 'schedule'; until: Date }
  | { reason: 'concurrency'; key: unknown; limit: number; ahead: number; since: Date }
  | { reason: 'paused'; since: Date }
  | { reason: 'budget'; exceeded: BudgetLimit[] }
  | RateLimitWait
  | null;

/**
 * A ready task held back by its step's rate limit: until when its units are back (a claim may
 * take them first), or null when no rate limit of that key exists (it waits for one).
 */
export interface RateLimitWait {
  reason: 'rate_limit';
  rateLimit: string;
  stepKey: string;
  units: number;
  until: Date | null;
}

export interface RunDetail {
  run: RunRow;
  /** Each step's own row (a fan-out's elements are in `elements`). */
  tasks: TaskRow[];
  waiting: RunWaiting;
  /** Per fan-out step: its elements counted by status, and the few of them the view shows. */
  elements: Map<string, FanOutElements>;
}

export interface FanOutElements {
  counts: Partial<Record<TaskStatus, number>>;
  shown: TaskRow[];
}

/**
 * Element tasks a run view shows per fan-out step: those that failed first, then those running,
 * then queued, cancelled, succeeded, each by index; the counts cover all of them.
 */
export const ELEMENTS_SHOWN = 20;

/** Which runs a bulk cancel takes: at least one filter is given. */
export interface CancelFilter {
  definitionKey?: string;
  status?: RunStatus;
  createdBefore?: string;
}

/** Runs cancelled per transaction by a bulk cancel: each batch commits (or fails) on its own. */
export const CANCEL_BATCH = 500;

/** Inbound event data (from the signed receivers): what a trigger starts a run with. */
export interface InboundEventData {
  source: string;
  event: string;
  deliveryId: string;
  inboundEventId?: string;
  payload?: unknown;
}

@Injectable()
export class RunsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly unitOfWork: UnitOfWork,
    private readonly engine: WorkflowEngine,
    private readonly definitions: DefinitionsService,
    private readonly events: EventsService,
    private readonly reads: ReadRouter,
    private readonly github: GithubCredentials,
  ) {}

  /** POST /workflows: from a definition (latest or a version) or inline steps. */
  async start(input: CreateRunDto): Promise<RunDetail> {
    const tenantId = currentTenantId();
    const { type, version, steps, concurrency, onFinish } = await this.resolve(input);
    const startAt = this.startAt(input.startAt);
    // The answer is read inside the transaction: once it commits nothing is left to fail, so
    // a client (and its Idempotency-Key) never sees an error for a run that was started.
    return this.unitOfWork.run(async (tx) => {
      const run = (await this.engine.startRun(tx, {
        tenantId,
        type,
        definitionVersion: version,
        steps,
        onFinish,
        input: input.input ?? null,
        priority: input.priority ?? 0,
        startAt,
        concurrency,
        budget: budgetOf(input),
      }))!;
      return this.detail(tx.manager, tenantId, run.id, run.type);
    });
  }

  /**
   * Starts every definition (latest version) of the tenant whose triggers match the inbound
   * event, once per delivery: a unique index on (tenant, type, trigger key) absorbs repeats.
   */
  async startTriggered(tx: Transaction, event: DomainEvent): Promise<number> {
    const data = event.data as Partial<InboundEventData>;
    if (!event.tenantId || typeof data.source !== 'string' || typeof data.event !== 'string')
      return 0;
    if (typeof data.deliveryId !== 'string' || data.deliveryId.length === 0) return 0;
    const payload = data.payload as { action?: unknown } | null | undefined;
    const action =
      payload && typeof payload === 'object' && typeof payload.action === 'string'
        ? payload.action
        : undefined;
    const matching = await this.definitions.triggeredBy(
      tx.manager,
      event.tenantId,
      data.source,
      data.event,
      action,
    );
    let started = 0;
    for (const definition of matching) {
      const run = await this.engine.startRun(tx, {
        tenantId: event.tenantId,
        type: definition.key,
        definitionVersion: definition.version,
        steps: definition.steps,
        onFinish: definition.onFinish ?? null,
        input: {
          trigger: { source: data.source, event: data.event, deliveryId: data.deliveryId },
          payload: data.payload ?? null,
        },
        priority: 0,
        triggerKey: `${data.source}:${data.deliveryId}`.slice(0, 300),
        concurrency: definition.concurrency,
      });
      if (run) started += 1;
    }
    return started;
  }

  /**
   * A schedule's tick starts a run of the latest version of `definitionKey` (in the runner's
   * transaction). The trigger key names the tick: a tick started twice starts one run.
   * Undefined when the definition no longer exists.
   */
  async startScheduled(
    tx: Transaction,
    tick: { tenantId: string; definitionKey: string; input: unknown; triggerKey: string },
  ): Promise<RunRow | undefined> {
    const definition = await this.definitions.latestOf(
      tx.manager,
      tick.tenantId,
      tick.definitionKey,
    );
    if (!definition) return undefined;
    return this.engine.startRun(tx, {
      tenantId: tick.tenantId,
      type: definition.key,
      definitionVersion: definition.version,
      steps: definition.steps,
      onFinish: definition.onFinish ?? null,
      input: tick.input ?? null,
      priority: 0,
      triggerKey: tick.triggerKey,
      concurrency: definition.concurrency,
    });
  }

  /** Whether the run has not finished (read under its lock, so a finishing one is seen so). */
  async isLive(tx: Transaction, tenantId: string, runId: string): Promise<boolean> {
    const run = await this.engine.lockRun(tx, tenantId, runId);
    return run !== undefined && !isTerminalRun(run.status);
  }

  /** Cancels the run unless it has finished; whether it did. */
  async cancelIfLive(tx: Transaction, tenantId: string, runId: string): Promise<boolean> {
    const run = await this.engine.lockRun(tx, tenantId, runId);
    if (!run || isTerminalRun(run.status)) return false;
    await this.engine.cancel(tx, run);
    return true;
  }

  /**
   * Starts up to `limit` runs whose delayed start came, oldest start first, skipping those
   * another replica holds: their first steps are queued. Answers how many it started.
   */
  async activateDue(limit: number): Promise<number> {
    return this.unitOfWork.run(async (tx) => {
      const due = await tx.manager.query<RunRow[]>(
        `SELECT ${RUN_COLUMNS} FROM workflow_runs r
          WHERE r.status = 'scheduled' AND r.start_at <= now()
          ORDER BY r.start_at LIMIT $1
            FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      // Their concurrency keys' locks first, all in one order: two batches cannot deadlock.
      await lockGroups(
        tx,
        due.filter((run) => run.concurrencyKey !== null).map((run) => groupOf(run)),
      );
      for (const run of due) await this.engine.activate(tx, run);
      return due.length;
    });
  }

  async list(
    filters: { status?: RunStatus; type?: string },
    limit: number,
    cursor?: string,
  ): Promise<Page<RunRow>> {
    const tenantId = currentTenantId();
    const after = decodeCursor(cursor, [UUID_PATTERN]);
    // Newest first: ids are UUIDv7, so id order is creation order. The page's runs are chosen
    // by their stored sizes (pg_column_size reads a value's size, not the value); only the
    // chosen ones are read whole.
    const rows = await this.reads.read((source) =>
      source.query<Array<BudgetedRow<RunRow>>>(
        `WITH page AS (
           SELECT r.id, sum(z.size) OVER (ORDER BY r.id DESC) - z.size AS before
             FROM workflow_runs r CROSS JOIN LATERAL (SELECT ${RUN_STORED_SIZE} AS size) z
            WHERE r.tenant_id = $1 AND ($2::uuid IS NULL OR r.id < $2)
              AND ($3::varchar IS NULL OR r.status = $3) AND ($4::varchar IS NULL OR r.type = $4)
            ORDER BY r.id DESC LIMIT $5)
         SELECT ${RUN_COLUMNS}, (SELECT count(*) FROM page)::int AS "pageRows"
           FROM page p JOIN workflow_runs r ON r.id = p.id
          WHERE p.before < $6
          ORDER BY r.id DESC`,
        [
          tenantId,
          after ? after[0] : null,
          filters.status ?? null,
          filters.type ?? null,
          limit + 1,
          PAGE_BYTES,
        ],
      ),
    );
    return toBudgetedPage(rows, limit, (run) => [run.id]);
  }

  async get(id: string): Promise<RunDetail> {
    const tenantId = currentTenantId();
    if (!UUID_PATTERN.test(id)) throw new RunNotFoundError(id.slice(0, 80));
    return this.detail(this.dataSource.manager, tenantId, id);
  }

  /**
   * A run as its answers show it. `type` given (the caller is inside a transaction, whose
   * connection is in pipeline mode, and knows the run's type): the run, its tasks and its
   * definition's pause are asked for at once, one round trip instead of three on a run start,
   * a cancel or a retry. Outside a transaction each read would take a pooled connection of its
   * own: one after the other there.
   */
  private async detail(
    manager: EntityManager,
    tenantId: string,
    id: string,
    type?: string,
  ): Promise<RunDetail> {
    const readRun = () =>
      manager.query<RunRow[]>(
        `SELECT ${RUN_COLUMNS} FROM workflow_runs r WHERE r.tenant_id = $1 AND r.id = $2`,
        [tenantId, id],
      );
    const readTasks = () =>
      manager.query<TaskRow[]>(
        `SELECT ${TASK_COLUMNS} FROM workflow_tasks t WHERE t.run_id = $1 AND t.element_index IS NULL`,
        [id],
      );
    let runs: RunRow[];
    let tasks: TaskRow[];
    let pausedAt: Date | null | undefined;
    if (type === undefined) {
      runs = await readRun();
      if (!runs[0]) throw new RunNotFoundError(id);
      tasks = await readTasks();
    } else {
      [runs, tasks, pausedAt] = await Promise.all([
        readRun(),
        readTasks(),
        this.definitions.pausedAt(manager, tenantId, type),
      ]);
    }
    const run = runs[0];
    if (!run) throw new RunNotFoundError(id);
    const elements = tasks.some((task) => task.kind === 'fanout')
      ? await this.elements(manager, id)
      : new Map<string, FanOutElements>();
    return { run, tasks, waiting: await this.waiting(manager, run, tasks, pausedAt), elements };
  }

  /** A run's fan-out elements: counts by status, and up to ELEMENTS_SHOWN tasks per step. */
  private async elements(
    manager: EntityManager,
    runId: string,
  ): Promise<Map<string, FanOutElements>> {
    const counts = await manager.query<Array<{ stepKey: string; status: TaskStatus; n: number }>>(
      `SELECT step_key AS "stepKey", status, count(*)::int AS n FROM workflow_tasks
        WHERE run_id = $1 AND element_index IS NOT NULL GROUP BY step_key, status`,
      [runId],
    );
    const shown = await manager.query<TaskRow[]>(
      `SELECT * FROM (
         SELECT ${TASK_COLUMNS},
                row_number() OVER (
                  PARTITION BY t.step_key
                  ORDER BY CASE t.status WHEN 'failed' THEN 0 WHEN 'timed_out' THEN 0
                                         WHEN 'claimed' THEN 1 WHEN 'queued' THEN 2
                                         WHEN 'cancelled' THEN 3 ELSE 4 END,
                           t.element_index) AS "rank"
           FROM workflow_tasks t WHERE t.run_id = $1 AND t.element_index IS NOT NULL) e
        WHERE e."rank" <= $2 ORDER BY e."stepKey", e."rank"`,
      [runId, ELEMENTS_SHOWN],
    );
    const byStep = new Map<string, FanOutElements>();
    const of = (stepKey: string) => {
      let found = byStep.get(stepKey);
      if (!found) byStep.set(stepKey, (found = { counts: {}, shown: [] }));
      return found;
    };
    for (const { stepKey, status, n } of counts) of(stepKey).counts[status] = n;
    for (const task of shown) of(task.stepKey).shown.push(task);
    return byStep;
  }

  private async waiting(
    manager: EntityManager,
    run: RunRow,
    tasks: TaskRow[],
    /** Its definition's pause, when already read (undefined: read it here if needed). */
    pausedAt?: Date | null,
  ): Promise<RunWaiting> {
    if (run.status === 'scheduled' && run.startAt)
      return { reason: 'schedule', until: run.startAt };
    if (isTerminalRun(run.status)) return null;
    if (run.status === 'budget_exceeded') {
      const [{ seconds }] = await manager.query<Array<{ seconds: number | null }>>(
        `SELECT extract(epoch FROM now() - started_at)::float8 AS seconds
           FROM workflow_runs WHERE id = $1`,
        [run.id],
      );
      return { reason: 'budget', exceeded: exceededLimits(run.budget, run.usage, seconds) };
    }
    if (run.concurrencyState === 'waiting') {
      return {
        reason: 'concurrency',
        key: keyValue(run.concurrencyKey!),
        limit: run.concurrencyLimit!,
        ahead: await waitingAhead(manager, run),
        since: run.concurrencySince!,
      };
    }
    const paused =
      pausedAt === undefined
        ? await this.definitions.pausedAt(manager, run.tenantId, run.type)
        : pausedAt;
    if (paused) return { reason: 'paused', since: paused };
    return this.rateLimited(manager, run.tenantId, [
      ...tasks,
      ...(await this.limitedElements(manager, run, tasks)),
    ]);
  }

  /**
   * The first queued element of each waiting fan-out step under a rate limit (its elements are
   * not among the run's tasks read for its view): one read, only for a run that has such a step.
   */
  private async limitedElements(
    manager: EntityManager,
    run: RunRow,
    tasks: TaskRow[],
  ): Promise<TaskRow[]> {
    const limited = new Set(
      run.steps.filter((step) => step.rateLimit && step.forEach).map((step) => step.key),
    );
    const steps = tasks
      .filter(
        (task) => task.kind === 'fanout' && task.status === 'waiting' && limited.has(task.stepKey),
      )
      .map((task) => task.stepKey);
    if (steps.length === 0) return [];
    return manager.query<TaskRow[]>(
      `SELECT DISTINCT ON (t.step_key) ${TASK_COLUMNS} FROM workflow_tasks t
        WHERE t.run_id = $1 AND t.step_key = ANY($2::varchar[]) AND t.element_index IS NOT NULL
          AND t.status = 'queued'
        ORDER BY t.step_key, t.element_index`,
      [run.id, steps],
    );
  }

  /** The first ready task (in step order) whose rate limit lacks its units, or is missing. */
  private async rateLimited(
    manager: EntityManager,
    tenantId: string,
    tasks: TaskRow[],
  ): Promise<RateLimitWait | null> {
    const now = Date.now();
    const ready = tasks.filter(
      (task) =>
        task.status === 'queued' &&
        task.rateLimitKey !== null &&
        new Date(task.availableAt).getTime() <= now,
    );
    if (ready.length === 0) return null;
    const keys = [...new Set(ready.map((task) => task.rateLimitKey!))];
    const buckets = await manager.query<Array<Bucket & { key: string }>>(
      `SELECT l.key, l.per_minute AS "perMinute", l.burst, ${LIMIT_TOKENS_SQL} AS tokens,
              now() AS "refilledAt"
         FROM rate_limits l WHERE l.tenant_id = $1 AND l.key = ANY($2::varchar[])`,
      [tenantId, keys],
    );
    const byKey = new Map(buckets.map((bucket) => [bucket.key, bucket]));
    for (const task of ready) {
      const bucket = byKey.get(task.rateLimitKey!);
      const wait = {
        reason: 'rate_limit' as const,
        rateLimit: task.rateLimitKey!,
        stepKey: task.stepKey,
        units: task.rateUnits!,
      };
      if (!bucket) return { ...wait, until: null };
      const at = tokensReturnAt(bucket, task.rateUnits!, now);
      if (at > now) return { ...wait, until: new Date(at) };
    }
    return null;
  }

  /** A start time to come, or undefined to start now (a time already past starts now). */
  private startAt(value: string | undefined): Date | undefined {
    if (value === undefined) return undefined;
    const at = new Date(value);
    if (Number.isNaN(at.getTime()) || at.getUTCFullYear() > 9999) {
      throw new BadRequestError(WorkflowErrorCode.InvalidRun, 'The run request is invalid.', [
        { field: 'startAt', message: 'startAt must be an ISO 8601 date-time' },
      ]);
    }
    return at.getTime() > Date.now() ? at : undefined;
  }

  /**
   * Cancels every unfinished run matching the filter, in batches of CANCEL_BATCH, each its own
   * transaction through the engine's `cancelAll` (audit entries and events per run and task,
   * as a single cancel writes them). Runs are taken in id order (the order every writer locks runs in),
   * after the last id of the batch before, so a run is never taken twice and the walk ends.
   */
  async cancelMatching(filter: CancelFilter): Promise<number> {
    const tenantId = currentTenantId();
    if (!filter.definitionKey && !filter.status && !filter.createdBefore) {
      throw new BadRequestError(WorkflowErrorCode.InvalidRun, 'The cancel request is invalid.', [
        {
          field: 'definitionKey',
          message: 'give at least one of definitionKey, status, createdBefore',
        },
      ]);
    }
    const createdBefore =
      filter.createdBefore === undefined ? null : new Date(filter.createdBefore);
    if (createdBefore && Number.isNaN(createdBefore.getTime())) {
      throw new BadRequestError(WorkflowErrorCode.InvalidRun, 'The cancel request is invalid.', [
        { field: 'createdBefore', message: 'createdBefore must be an ISO 8601 date-time' },
      ]);
    }
    const statuses = filter.status
      ? [filter.status]
      : RUN_STATUSES.filter((status) => !isTerminalRun(status));
    let after: string | null = null;
    let cancelled = 0;
    for (;;) {
      const batch: { count: number; last: string | undefined } = await this.unitOfWork.run(
        async (tx) => {
          const runs = await tx.manager.query<RunRow[]>(
            `SELECT ${RUN_COLUMNS} FROM workflow_runs r
              WHERE r.tenant_id = $1 AND ($2::uuid IS NULL OR r.id > $2)
                AND r.status = ANY($3::varchar[]) AND ($4::varchar IS NULL OR r.type = $4)
                AND ($5::timestamptz IS NULL OR r.created_at < $5)
              ORDER BY r.id LIMIT $6
                FOR UPDATE`,
            [tenantId, after, statuses, filter.definitionKey ?? null, createdBefore, CANCEL_BATCH],
          );
          // Re-read under the lock: a run that finished meanwhile is left as it is.
          const live = runs.filter((run) => !isTerminalRun(run.status));
          await this.engine.cancelAll(tx, live);
          return { count: live.length, last: runs.at(-1)?.id };
        },
      );
      cancelled += batch.count;
      if (!batch.last) return cancelled;
      after = batch.last;
    }
  }

  /**
   * A failed run's steps that did not succeed run again; 409 unless the run failed. 422 when
   * moving it on makes a value too large to store from the outputs it keeps (it failed with
   * `run_value_too_large`, and would again): nothing changes.
   */
  async retry(id: string): Promise<RunDetail> {
    const tenantId = currentTenantId();
    if (!UUID_PATTERN.test(id)) throw new RunNotFoundError(id.slice(0, 80));
    return this.retryLocked(tenantId, id).catch((error: unknown) => {
      if (!isValueTooLarge(error)) throw error;
      throw new UnprocessableError(
        WorkflowErrorCode.RunValueTooLarge,
        "The run cannot move on: its steps' outputs put together (as a step's input or the " +
          "run's output) make a value larger than the 256 MB PostgreSQL stores in one. " +
          'Nothing was changed.',
      );
    });
  }

  private retryLocked(tenantId: string, id: string): Promise<RunDetail> {
    return this.unitOfWork.run(async (tx) => {
      const run = await this.engine.lockRun(tx, tenantId, id);
      if (!run) throw new RunNotFoundError(id);
      if (run.status !== 'failed') {
        throw new ConflictError(
          WorkflowErrorCode.RunNotFailed,
          `Only a failed workflow run can be retried; this one is ${run.status}.`,
        );
      }
      await this.engine.retry(tx, run);
      return this.detail(tx.manager, tenantId, id, run.type);
    });
  }

  /** 409 once the run has finished. */
  async cancel(id: string): Promise<RunDetail> {
    const tenantId = currentTenantId();
    if (!UUID_PATTERN.test(id)) throw new RunNotFoundError(id.slice(0, 80));
    return this.unitOfWork.run(async (tx) => {
      const run = await this.engine.lockRun(tx, tenantId, id);
      if (!run) throw new RunNotFoundError(id);
      if (isTerminalRun(run.status)) {
        throw new ConflictError(
          WorkflowErrorCode.RunFinished,
          `The workflow run already finished (${run.status}).`,
        );
      }
      await this.engine.cancel(tx, run);
      return this.detail(tx.manager, tenantId, id, run.type);
    });
  }

  /**
   * A fan-out step's element tasks in index order, a page at a time (optionally of one status);
   * none before the step became ready. 404 unless the run has a forEach step of that key.
   */
  async elementsOf(
    id: string,
    stepKey: string,
    status: TaskStatus | undefined,
    limit: number,
    cursor?: string,
  ): Promise<Page<TaskRow>> {
    const tenantId = currentTenantId();
    if (!UUID_PATTERN.test(id)) throw new RunNotFoundError(id.slice(0, 80));
    const after = decodeCursor(cursor, ['position']);
    const [run] = await this.dataSource.query<Array<Pick<RunRow, 'steps'>>>(
      `SELECT r.steps FROM workflow_runs r WHERE r.tenant_id = $1 AND r.id = $2`,
      [tenantId, id],
    );
    if (!run) throw new RunNotFoundError(id);
    if (!run.steps.some((step) => step.key === stepKey && step.forEach !== undefined))
      throw new FanOutStepNotFoundError(stepKey.slice(0, 80));
    const rows = await this.dataSource.query<Array<BudgetedRow<TaskRow>>>(
      `WITH page AS (
         SELECT t.id, sum(z.size) OVER (ORDER BY t.element_index) - z.size AS before
           FROM workflow_tasks t CROSS JOIN LATERAL (SELECT ${TASK_STORED_SIZE} AS size) z
          WHERE t.run_id = $1 AND t.step_key = $2 AND t.element_index IS NOT NULL
            AND ($3::int IS NULL OR t.element_index > $3) AND ($4::varchar IS NULL OR t.status = $4)
          ORDER BY t.element_index LIMIT $5)
       SELECT ${TASK_COLUMNS}, (SELECT count(*) FROM page)::int AS "pageRows"
         FROM page p JOIN workflow_tasks t ON t.id = p.id
        WHERE p.before < $6
        ORDER BY t.element_index`,
      [id, stepKey, after ? after[0] : null, status ?? null, limit + 1, PAGE_BYTES],
    );
    return toBudgetedPage(rows, limit, (task) => [task.elementIndex!]);
  }

  /** The run's history: its events and its tasks' events, oldest first. */
  async history(id: string, limit: number, cursor?: string): Promise<Page<DomainEvent>> {
    const tenantId = currentTenantId();
    await this.get(id);
    return this.events.history(tenantId, { type: 'workflow', id }, limit, cursor);
  }

  private async resolve(input: CreateRunDto): Promise<{
    type: string;
    version: number | null;
    steps: StepSpec[];
    concurrency: ConcurrencySpec | null;
    onFinish: StepSpec | null;
  }> {
    const errors: FieldError[] = [];
    // A field given as null is a field left out.
    for (const name of ['definitionKey', 'definitionVersion', 'type', 'steps'] as const) {
      if (input[name] === null) delete input[name];
    }
    const inline = input.type !== undefined || input.steps !== undefined;
    if (input.definitionKey !== undefined && inline) {
      errors.push({
        field: 'definitionKey',
        message: 'give definitionKey or inline type and steps, not both',
      });
    } else if (input.definitionKey === undefined && !inline) {
      errors.push({
        field: 'definitionKey',
        message: 'give definitionKey, or inline type and steps',
      });
    } else if (inline) {
      if (input.type === undefined)
        errors.push({ field: 'type', message: 'an inline run needs a type' });
      if (input.steps === undefined)
        errors.push({ field: 'steps', message: 'an inline run needs steps' });
      if (input.definitionVersion !== undefined) {
        errors.push({ field: 'definitionVersion', message: 'only with definitionKey' });
      }
    }
    if (errors.length > 0) {
      throw new BadRequestError(
        WorkflowErrorCode.InvalidRun,
        'The run request is invalid.',
        errors,
      );
    }
    if (input.definitionKey !== undefined) {
      const definition = await this.definitions.get(input.definitionKey, input.definitionVersion);
      return {
        type: definition.key,
        version: definition.version,
        steps: definition.steps,
        concurrency: definition.concurrency,
        onFinish: definition.onFinish ?? null,
      };
    }
    const steps = normaliseSteps(input.steps!);
    this.github.assertConfiguredFor(steps);
    return { type: input.type!, version: null, steps, concurrency: null, onFinish: null };
  }
}

/** The budget a start asked for (only the limits given); null: none. */
function budgetOf(input: CreateRunDto): Budget | null {
  const given = input.budget;
  if (!given) return null;
  const budget: Budget = {};
  for (const limit of BUDGET_LIMITS) if (given[limit] !== undefined) budget[limit] = given[limit];
  return Object.keys(budget).length > 0 ? budget : null;
}
