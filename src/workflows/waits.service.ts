import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { hasScope } from '../auth/scopes';
import { requestContext } from '../common/context/request-context';
import { ConflictError, ForbiddenError, NotFoundError } from '../common/errors/domain-error';
import { sameJson } from '../common/same-json';
import { uuidv7, UUID_PATTERN } from '../common/ids';
import { preparedQuery } from '../database/prepared';
import { Transaction, UnitOfWork } from '../database/unit-of-work';
import { DomainEvent } from '../events/domain-event';
import { EventDispatcher, inEventContext } from '../events/event-dispatcher';
import { AuditService } from '../audit/audit.service';
import { EventsService } from '../events/events.service';
import { isListedApprover, stepKind } from './dag';
import { SLUG_PATTERN } from './dto/definition.dto';
import { TaskError, TaskProgress, WaitOutcome, WorkflowEngine } from './engine';
import { END_DUE_STEPS, endDueParameters, LOCK_DUE_RUNS } from './wake-statement';
import { WakeSweep } from './wake-sweep';
import { RunDetail, RunsService } from './runs.service';
import { isTerminalRun } from './state-machine';
import { matchKey, patternsMatching, valueAt } from './wait-steps';
import { RunRow, TASK_COLUMNS, TaskRow } from './workflow-rows';
import { RunNotFoundError, WorkflowErrorCode } from './workflows.errors';

/** Runs per wake-up transaction, and how many such transactions run at once. */
const WAKE_BATCH = 250;
const WAKE_LANES = 4;

interface Shape {
  eventType: string;
  paths: string[];
}

export interface SignalInput {
  name: string;
  payload?: unknown;
  signalId?: string;
}

export interface SignalResult {
  workflowId: string;
  signalId: string;
  name: string;
  /** The steps it completed; empty: kept until a step waits for it. */
  consumedBy: string[];
  /** true: this signalId was already received; nothing new happened. */
  duplicate: boolean;
  receivedAt: string;
}

interface SignalRow {
  signalId: string;
  name: string;
  payload: unknown;
  consumedBy: string[];
  createdAt: Date;
}

/**
 * Steps that wait without an agent: signals sent to a run, approvals decided by people (or
 * keys), event waits completed by matching domain events, and the timer that ends sleeps and
 * times waits out. Every change takes the run's lock first, then its step rows (the engine's
 * order), and ends the step through `WorkflowEngine.finishWaiting`.
 */
@Injectable()
export class WaitsService implements OnModuleInit {
  private readonly logger = new Logger(WaitsService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly unitOfWork: UnitOfWork,
    private readonly engine: WorkflowEngine,
    private readonly runs: RunsService,
    private readonly audit: AuditService,
    private readonly events: EventsService,
    private readonly dispatcher: EventDispatcher,
  ) {}

  onModuleInit(): void {
    this.dispatcher.subscribe({
      name: 'workflows.event-waits',
      types: ['*'],
      handle: async (tx, events) => {
        const shapes = await this.shapesFor(tx, events);
        if (shapes.size === 0) return;
        for (const event of events) {
          const mine = shapes.get(event.tenantId ?? '');
          if (!mine) continue;
          await inEventContext(event, () => this.eventCommitted(tx, event, mine));
        }
      },
    });
  }

  /**
   * POST /workflows/{id}/signals. Under the run's lock: a repeat of a signalId answers the first
   * reception; else the signal is stored, and completes every step of the run waiting for its
   * name (or is kept, for the next step that starts waiting for it: that start takes the same
   * lock, so neither can miss the other).
   */
  async signal(runId: string, input: SignalInput): Promise<SignalResult> {
    const tenantId = requestContext.require().tenantId!;
    if (!UUID_PATTERN.test(runId)) throw new RunNotFoundError(runId.slice(0, 80));
    return this.unitOfWork.run(async (tx) => {
      const run = await this.engine.lockRun(tx, tenantId, runId);
      if (!run) throw new RunNotFoundError(runId);
      const signalId = input.signalId ?? uuidv7();
      const [existing] = await tx.manager.query<SignalRow[]>(
        `SELECT signal_id AS "signalId", name, payload, consumed_by AS "consumedBy",
                created_at AS "createdAt"
           FROM workflow_signals WHERE run_id = $1 AND signal_id = $2`,
        [run.id, signalId],
      );
      if (existing) {
        if (existing.name !== input.name || !sameJson(existing.payload, input.payload ?? null)) {
          throw new ConflictError(
            WorkflowErrorCode.SignalIdReused,
            `Signal "${signalId}" was already received with another name or payload.`,
          );
        }
        return signalResult(run.id, existing, true);
      }
      if (isTerminalRun(run.status)) {
        throw new ConflictError(
          WorkflowErrorCode.RunFinished,
          `The workflow run already finished (${run.status}).`,
        );
      }
      const waiting = await tx.manager.query<TaskRow[]>(
        `SELECT ${TASK_COLUMNS} FROM workflow_tasks t
          WHERE t.run_id = $1 AND t.status = 'waiting' AND t.kind = 'wait'
            AND t.wait_for->>'signal' = $2
          ORDER BY t.step_key FOR UPDATE`,
        [run.id, input.name],
      );
      const consumedBy = waiting.map((task) => task.stepKey);
      const [stored] = await tx.manager.query<SignalRow[]>(
        `INSERT INTO workflow_signals (id, tenant_id, run_id, signal_id, name, payload, consumed_by,
           consumed_at)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::varchar[], CASE WHEN $8 THEN now() END)
         RETURNING signal_id AS "signalId", name, payload, consumed_by AS "consumedBy",
                   created_at AS "createdAt"`,
        [
          uuidv7(),
          tenantId,
          run.id,
          signalId,
          input.name,
          JSON.stringify(input.payload ?? null),
          consumedBy,
          consumedBy.length > 0,
        ],
      );
      await this.audit.record(tx, {
        action: 'workflow.signal',
        resource: { type: 'workflow', id: run.id },
        after: { name: input.name, signalId, consumedBy },
        tenantId,
      });
      await this.events.emit(tx, {
        type: 'workflow.signal.received',
        subject: { type: 'workflow', id: run.id },
        tenantId,
        data: {
          workflowId: run.id,
          name: input.name,
          signalId,
          payload: input.payload ?? null,
          consumedBy,
        },
      });
      await this.engine.finishWaiting(
        tx,
        run,
        waiting.map((task) => ({ task, status: 'succeeded', output: input.payload ?? null })),
      );
      return signalResult(run.id, stored, false);
    });
  }

  /**
   * Approve or reject a waiting approval step. Allowed: keys with `workflows:approve` (`*` has
   * it), or a key the step lists in `approvers` by its id (`key:<id>`) or a scope it holds. The decision,
   * who made it and the comment go into the audit trail and the run's events.
   */
  async decide(
    runId: string,
    stepKey: string,
    decision: 'approve' | 'reject',
    comment: string | undefined,
  ): Promise<RunDetail> {
    const context = requestContext.require();
    const tenantId = context.tenantId!;
    if (!UUID_PATTERN.test(runId)) throw new RunNotFoundError(runId.slice(0, 80));
    if (!SLUG_PATTERN.test(stepKey)) throw notAnApproval(stepKey.slice(0, 80));
    await this.unitOfWork.run(async (tx) => {
      const run = await this.engine.lockRun(tx, tenantId, runId);
      if (!run) throw new RunNotFoundError(runId);
      const step = run.steps.find((candidate) => candidate.key === stepKey);
      if (!step || stepKind(step) !== 'approval') throw notAnApproval(stepKey);
      const by = await this.decider(tx, step.approvers ?? []);
      const [task] = await tx.manager.query<TaskRow[]>(
        `SELECT ${TASK_COLUMNS} FROM workflow_tasks t WHERE t.run_id = $1 AND t.step_key = $2
          FOR UPDATE`,
        [run.id, stepKey],
      );
      if (!task || task.status !== 'waiting' || isTerminalRun(run.status)) {
        throw new ConflictError(
          WorkflowErrorCode.ApprovalNotWaiting,
          `Step "${stepKey}" is not waiting for a decision (it is ${
            task ? task.status : isTerminalRun(run.status) ? 'cancelled' : 'pending'
          }).`,
        );
      }
      const decided = decision === 'approve' ? 'approved' : 'rejected';
      await this.audit.record(tx, {
        action: `workflow.approval.${decision}`,
        resource: { type: 'task', id: task.id },
        before: { status: 'waiting' },
        after: { decision: decided, decidedBy: by, comment: comment ?? null, stepKey },
        tenantId,
      });
      await this.events.emit(tx, {
        type: 'workflow.approval.decided',
        subject: { type: 'workflow', id: run.id },
        tenantId,
        data: {
          workflowId: run.id,
          stepKey,
          taskId: task.id,
          decision: decided,
          decidedBy: by,
          comment: comment ?? null,
        },
      });
      const outcome: WaitOutcome =
        decision === 'approve'
          ? {
              task,
              status: 'succeeded',
              output: { approvedBy: by.name, keyId: by.id, comment: comment ?? null },
            }
          : {
              task,
              status: 'failed',
              error: { message: comment ?? 'Rejected.', code: 'rejected' },
            };
      await this.engine.finishWaiting(tx, run, [outcome]);
    });
    return this.runs.get(runId);
  }

  /**
   * Who decides: answered when the caller may, else 403. A listed approver is a scope or a key
   * id, never a key name: names are not unique, and anyone who may create keys picks them.
   */
  private async decider(
    tx: Transaction,
    approvers: string[],
  ): Promise<{ type: string; id: string; name: string }> {
    const context = requestContext.require();
    const scopes = context.scopes ?? [];
    const actor = context.actor ?? { type: 'system', id: 'agentmesh' };
    const allowed =
      hasScope(scopes, ['workflows:approve']) ||
      isListedApprover(approvers, context.apiKeyId, scopes);
    if (!allowed) {
      throw new ForbiddenError(
        'approval_forbidden',
        'Deciding this approval needs the scope "workflows:approve", or a key the step lists in approvers (by a scope it holds or as key:<id>).',
      );
    }
    const [key] = context.apiKeyId
      ? await tx.manager.query<Array<{ name: string }>>(
          `SELECT name FROM api_keys WHERE id::text = $1`,
          [context.apiKeyId],
        )
      : [];
    return { type: actor.type, id: actor.id, name: key?.name ?? actor.id };
  }

  /**
   * The timer: waiting steps whose time came (a sleep's end, a wait's or an approval's timeout),
   * oldest first, by the partial index on wake_at. WAKE_LANES lanes end them at once, each lane
   * a batch of up to WAKE_BATCH runs at a time in one transaction that takes its runs with SKIP
   * LOCKED in id order (another replica, or a signal, holds one: it is looked at again next
   * tick) and ends all their due steps in one statement with their audit entries and events
   * (`wakeRuns`). A lane that finishes its batch takes the next one at once, without waiting
   * for the other lanes (`WakeSweep` hands out the runs, each once per sweep). A batch that
   * fails is done again run by run, so one bad run cannot hold the others back. Answers how
   * many steps ended.
   */
  async wakeDue(shouldStop: () => boolean): Promise<number> {
    const sweep = new WakeSweep(
      async (limit) =>
        (
          await this.dataSource.query<Array<{ runId: string }>>(
            `SELECT run_id AS "runId" FROM workflow_tasks
              WHERE status = 'waiting' AND wake_at <= now() AND kind <> 'github'
              ORDER BY wake_at LIMIT $1`,
            [limit],
          )
        ).map((row) => row.runId),
      WAKE_BATCH,
      WAKE_LANES,
    );
    let woken = 0;
    const lane = async (): Promise<void> => {
      for (;;) {
        if (shouldStop()) return;
        const batch = await sweep.next();
        if (!batch) return;
        const { ended, skipped } = await this.wakeLane(batch);
        sweep.done(batch, skipped);
        woken += ended;
      }
    };
    // Every lane ends before the sweep does (a failed read ends them all at their next batch).
    const lanes = await Promise.allSettled(Array.from({ length: WAKE_LANES }, lane));
    const failed = lanes.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    return woken;
  }

  /** One batch in its own transaction (or run by run, when it fails as a whole). */
  private async wakeLane(runIds: string[]): Promise<{ ended: number; skipped: number }> {
    const system = () => ({
      correlationId: uuidv7(),
      actor: { type: 'system' as const, id: 'agentmesh' },
    });
    try {
      return await requestContext.run(system(), () =>
        this.unitOfWork.run((tx) => this.wakeRuns(tx, runIds)),
      );
    } catch {
      let ended = 0;
      let skipped = 0;
      for (const runId of runIds) {
        const one = await requestContext
          .run(system(), () => this.unitOfWork.run((tx) => this.wakeRuns(tx, [runId])))
          .catch((error: Error) => {
            this.logger.warn({ runId, err: error.message }, 'Waking a waiting step failed');
            return { ended: 0, skipped: 0 };
          });
        ended += one.ended;
        skipped += one.skipped;
      }
      return { ended, skipped };
    }
  }

  /**
   * One batch of the timer, in one transaction: its runs locked (SKIP LOCKED) with their due
   * steps' ids; then, for the runs already started, one statement ends every due step and
   * writes their audit entries and events (see `END_DUE_STEPS`), and the engine moves the runs
   * on from what it answers. A run not started yet (pending) ends its steps through
   * `finishWaitingOf`, which starts it first; a finished run's steps that still wait (left so
   * by an earlier bulk cancel) are cancelled.
   */
  private async wakeRuns(
    tx: Transaction,
    runIds: string[],
  ): Promise<{ ended: number; skipped: number }> {
    // The batch's statements are prepared (named) on the connection; one plan each, kept for
    // the next batches on it instead of planned again for each (they take arrays, so one plan
    // fits every batch).
    await tx.manager.query(`SET LOCAL plan_cache_mode = force_generic_plan`);
    const locked = await preparedQuery<RunRow & { due: string[] }>(tx, LOCK_DUE_RUNS, [runIds]);
    // Held elsewhere (another replica, a signal): still due, left for the next look.
    const skipped = runIds.length - locked.length;
    let ended = 0;
    const finished = locked.filter((run) => run.due.length > 0 && isTerminalRun(run.status));
    if (finished.length > 0) {
      ended += await this.engine.cancelLeftovers(
        tx,
        finished.map((run) => run.id),
      );
    }
    const runs = locked.filter((run) => run.due.length > 0 && !isTerminalRun(run.status));
    if (runs.length === 0) return { ended, skipped };
    const started = runs.filter((run) => run.status !== 'pending');
    if (started.length > 0) ended += await this.endDue(tx, started);
    const pending = runs.filter((run) => run.status === 'pending');
    if (pending.length > 0) {
      const rows = await tx.manager.query<TaskRow[]>(
        `SELECT ${TASK_COLUMNS} FROM workflow_tasks t WHERE t.id = ANY($1::uuid[])
          ORDER BY t.run_id, t.wake_at, t.id FOR UPDATE`,
        [pending.flatMap((run) => run.due)],
      );
      const byRun = new Map<string, TaskRow[]>();
      for (const row of rows) byRun.set(row.runId, [...(byRun.get(row.runId) ?? []), row]);
      const batch = pending.flatMap((run) => {
        const due = byRun.get(run.id)?.filter((task) => task.status === 'waiting');
        return due?.length ? [{ run, outcomes: due.map(timedOut) }] : [];
      });
      ended += (await this.engine.finishWaitingOf(tx, batch)).length;
    }
    return { ended, skipped };
  }

  /** The due steps of locked, started runs end in one statement; the runs then move on. */
  private async endDue(tx: Transaction, runs: Array<RunRow & { due: string[] }>): Promise<number> {
    const due = runs.flatMap((run) => run.due);
    const rows = await preparedQuery<
      TaskProgress & {
        runId: string;
        id: string;
        n: number | null;
        error: TaskError | null;
        attempt: number;
      }
    >(
      tx,
      END_DUE_STEPS,
      endDueParameters(
        due,
        runs.map((run) => run.id),
        requestContext.get(),
      ),
    );
    const progress = new Map<string, TaskProgress[]>(runs.map((run) => [run.id, []]));
    const ended: Array<{ n: number; row: TaskRow; error?: TaskError }> = [];
    for (const { runId, id, n, error, attempt, ...task } of rows) {
      // Each task of the runs once: an ended step as it is now, with its position `n`.
      progress.get(runId)!.push(task);
      if (n === null) continue;
      const row = { id, runId, attempt, stepKey: task.stepKey, status: task.status } as TaskRow;
      ended.push({ n, row, error: error ?? undefined });
    }
    if (ended.length === 0) return 0;
    ended.sort((x, y) => x.n - y.n);
    // The statement's events and audit entries are the transaction's first: the engine's (the
    // next tasks queued, the runs failed) are written after them, at commit.
    this.events.writtenIn(tx);
    await this.engine.moveOnAfterWaiting(tx, runs, ended, progress);
    return ended.length;
  }

  /** The wait shapes of a batch's tenants and event types, by tenant: one query per batch. */
  private async shapesFor(tx: Transaction, events: DomainEvent[]): Promise<Map<string, Shape[]>> {
    const tenants: string[] = [];
    const types: string[] = [];
    const seen = new Set<string>();
    for (const event of events) {
      if (!event.tenantId) continue;
      for (const pattern of patternsMatching(event.type)) {
        const key = `${event.tenantId}\n${pattern}`;
        if (seen.has(key)) continue;
        seen.add(key);
        tenants.push(event.tenantId);
        types.push(pattern);
      }
    }
    const byTenant = new Map<string, Shape[]>();
    if (tenants.length === 0) return byTenant;
    const rows = await tx.manager.query<Array<Shape & { tenantId: string }>>(
      `SELECT s.tenant_id AS "tenantId", s.event_type AS "eventType", s.paths
         FROM unnest($1::varchar[], $2::varchar[]) AS k(tenant_id, event_type)
         JOIN workflow_event_wait_shapes s
           ON s.tenant_id = k.tenant_id AND s.event_type = k.event_type`,
      [tenants, types],
    );
    for (const { tenantId, ...shape } of rows)
      byTenant.set(tenantId, [...(byTenant.get(tenantId) ?? []), shape]);
    return byTenant;
  }

  /**
   * A domain event committed: the waits it completes are found by index. Its type gives the
   * patterns that match it (`*`, each `prefix.*`, itself); the shapes of those patterns' waits
   * (which paths they compare) give the keys to look up. A run's own events never complete its
   * waits, nor do events from before a wait started. The event's data is the step's output.
   */
  private async eventCommitted(tx: Transaction, event: DomainEvent, all: Shape[]): Promise<void> {
    const tenantId = event.tenantId!;
    const patterns = new Set(patternsMatching(event.type));
    const types: string[] = [];
    const keys: string[] = [];
    for (const shape of all) {
      if (!patterns.has(shape.eventType)) continue;
      const pairs = shape.paths.map((path): [string, unknown] => [path, valueAt(event.data, path)]);
      if (pairs.some(([, value]) => value === undefined)) continue;
      types.push(shape.eventType);
      keys.push(matchKey(pairs));
    }
    if (types.length === 0) return;
    const own =
      event.subject.type === 'workflow' && UUID_PATTERN.test(event.subject.id)
        ? event.subject.id
        : null;
    const waits = await tx.manager.query<Array<{ taskId: string; runId: string }>>(
      `SELECT w.task_id AS "taskId", w.run_id AS "runId"
         FROM unnest($2::varchar[], $3::varchar[]) AS k(event_type, match_key)
         JOIN workflow_event_waits w
           ON w.tenant_id = $1 AND w.event_type = k.event_type AND w.match_key = k.match_key
        WHERE w.created_at <= $4 AND ($5::uuid IS NULL OR w.run_id <> $5::uuid)
        ORDER BY w.run_id, w.task_id`,
      [tenantId, types, keys, event.occurredAt, own],
    );
    const byRun = new Map<string, string[]>();
    for (const wait of waits)
      byRun.set(wait.runId, [...(byRun.get(wait.runId) ?? []), wait.taskId]);
    for (const [runId, taskIds] of byRun) {
      const run: RunRow | undefined = await this.engine.lockRun(tx, tenantId, runId);
      if (!run) continue;
      const rows = await tx.manager.query<TaskRow[]>(
        `SELECT ${TASK_COLUMNS} FROM workflow_tasks t
          WHERE t.id = ANY($1::uuid[]) AND t.run_id = $2 AND t.status = 'waiting'
          ORDER BY t.step_key FOR UPDATE`,
        [taskIds, run.id],
      );
      await this.engine.finishWaiting(
        tx,
        run,
        rows.map((task) => ({ task, status: 'succeeded', output: event.data })),
      );
    }
  }
}

/** How a waiting step ends when its time comes. */
function timedOut(task: TaskRow): WaitOutcome {
  const at = task.wakeAt ? new Date(task.wakeAt).toISOString() : null;
  switch (task.kind) {
    case 'sleep':
      return { task, status: 'succeeded', output: { sleptUntil: at } };
    case 'wait':
      return task.waitFor?.onTimeout === 'succeed'
        ? { task, status: 'succeeded', output: { timedOut: true } }
        : {
            task,
            status: 'timed_out',
            error: {
              message: 'The wait timed out before its signal or event came.',
              code: 'wait_timeout',
            },
          };
    case 'approval':
    case 'github':
    case 'task':
    case 'fanout':
      return {
        task,
        status: 'timed_out',
        error: {
          message: 'No decision came before the approval timed out.',
          code: 'approval_timeout',
        },
      };
  }
}

function notAnApproval(stepKey: string): NotFoundError {
  return new NotFoundError(
    WorkflowErrorCode.ApprovalNotFound,
    `The run has no approval step "${stepKey}".`,
  );
}

function signalResult(workflowId: string, row: SignalRow, duplicate: boolean): SignalResult {
  return {
    workflowId,
    signalId: row.signalId,
    name: row.name,
    consumedBy: row.consumedBy,
    duplicate,
    receivedAt: new Date(row.createdAt).toISOString(),
  };
}
