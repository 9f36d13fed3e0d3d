import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { requestContext } from '../common/context/request-context';
import { uuidv7 } from '../common/ids';
import { WakeLoop } from '../common/workers/wake-loop';
import type { AppConfig } from '../config/config';
import { InjectConfig } from '../config/config.module';
import { Transaction, UnitOfWork } from '../database/unit-of-work';
import { EventsService } from '../events/events.service';
import { callFailure } from '../github/call-failure';
import { GithubClient } from '../github/github-client';
import { GithubCallError } from '../github/github.errors';
import { ShutdownState } from '../health/shutdown-state';
import { backoffSeconds, ON_FINISH_KEY, StepSpec } from './dag';
import { TaskError, WaitOutcome, WorkflowEngine } from './engine';
import { GithubCall, planGithubCall } from './github-steps';
import { RUN_COLUMNS, RunRow, TASK_COLUMNS, TaskRow, updatedRows } from './workflow-rows';

const POLL_MS = 500;
/** Calls in flight per replica. */
const CONCURRENCY = 8;
/**
 * How long a worker holds an attempt: longer than its calls can take (a token, a page or ten
 * of comments, a post, each at most 20 s with short in-process retries of reads). A replica
 * that stops mid-attempt leaves it due again after this; the next attempt looks for its marker.
 */
const ATTEMPT_LEASE_SECONDS = 300;
/** Comments are looked for from this long before the step started (GitHub's clock may differ). */
const MARKER_CLOCK_MARGIN_MS = 10 * 60_000;

interface Claimed extends TaskRow {
  /** The attempt was claimed before and never finished (its worker stopped). */
  takenOver: boolean;
}

type Result = { output: Record<string, unknown>; call: GithubCall } | { failure: GithubCallError };

/**
 * Runs github steps: every replica with WORKERS=on polls for due ones (a new step, a retry
 * whose time came, an attempt whose holder stopped) and claims them with SKIP LOCKED, one
 * statement that moves `wake_at` past the attempt's lease and sets a fresh `lease_token`:
 * exactly one replica makes each attempt. The call runs outside any transaction; its outcome is
 * written under the run's lock, only while the lease is still ours. A retry is not waited for:
 * the row's `wake_at` moves to the next attempt's time (backoff, Retry-After or rate-limit
 * reset), so no transaction and no worker slot is held meanwhile.
 */
@Injectable()
export class GithubStepRunner implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(GithubStepRunner.name);
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly loop = new WakeLoop({
    round: () => this.claimRoom(),
    canRun: () => this.timer !== undefined && !this.shutdown.isShuttingDown,
    onFailure: (error) => this.logger.warn(`Claiming github steps failed: ${error.message}`),
  });

  constructor(
    private readonly dataSource: DataSource,
    private readonly unitOfWork: UnitOfWork,
    private readonly engine: WorkflowEngine,
    private readonly github: GithubClient,
    private readonly audit: AuditService,
    private readonly events: EventsService,
    private readonly shutdown: ShutdownState,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.workers) return;
    this.timer = setInterval(() => this.poll(), POLL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.loop.idle();
    await Promise.allSettled([...this.inFlight]);
  }

  /** A tick: claims as many due steps as there is room for. */
  poll(): void {
    this.loop.wake();
  }

  private async claimRoom(): Promise<boolean> {
    const room = CONCURRENCY - this.inFlight.size;
    if (room <= 0) return false;
    for (const task of await this.claim(room)) {
      const attempt = this.attempt(task).finally(() => this.inFlight.delete(attempt));
      this.inFlight.add(attempt);
    }
    return false;
  }

  /**
   * Due github steps (of live runs; an `onFinish` after its run ended) of definitions not
   * paused, leased to us.
   */
  private async claim(max: number): Promise<Claimed[]> {
    const rows = updatedRows<Claimed>(
      await this.dataSource.query(
        `WITH due AS (
           SELECT t.id, t.lease_token AS previous FROM workflow_tasks t
             JOIN workflow_runs r ON r.id = t.run_id
            WHERE t.status = 'waiting' AND t.kind = 'github' AND t.wake_at <= now()
              AND (t.step_key = $3 OR r.status IN ('pending', 'running'))
              -- A paused definition's work waits, its github steps as its agents' tasks do.
              AND NOT EXISTS (SELECT 1 FROM workflow_definition_pauses p
                               WHERE p.tenant_id = r.tenant_id AND p.definition_key = r.type)
            ORDER BY t.wake_at LIMIT $1
              FOR UPDATE OF t SKIP LOCKED)
         UPDATE workflow_tasks t
            SET lease_token = gen_random_uuid()::text, claimed_at = now(),
                wake_at = now() + make_interval(secs => $2)
           FROM due WHERE t.id = due.id
         RETURNING ${TASK_COLUMNS}, due.previous IS NOT NULL AS "takenOver"`,
        [max, ATTEMPT_LEASE_SECONDS, ON_FINISH_KEY],
      ),
    );
    return rows;
  }

  /** One attempt: the call, then its outcome written (in a system context of its own). */
  private async attempt(task: Claimed): Promise<void> {
    const context = {
      correlationId: uuidv7(),
      actor: { type: 'system' as const, id: 'agentmesh' },
    };
    try {
      await requestContext.run(context, async () => {
        const result = await this.call(task);
        await this.unitOfWork.run((tx) => this.record(tx, task, result));
      });
    } catch (error) {
      // The lease runs out and another attempt takes it over (looking for its marker first).
      this.logger.warn(
        { taskId: task.id, err: (error as Error).message },
        'Recording a github step attempt failed',
      );
    }
  }

  private async call(task: Claimed): Promise<Result> {
    try {
      const [run] = await this.dataSource.query<RunRow[]>(
        `SELECT ${RUN_COLUMNS} FROM workflow_runs r WHERE r.id = $1`,
        [task.runId],
      );
      const step: StepSpec | null | undefined =
        task.stepKey === ON_FINISH_KEY
          ? run.onFinish
          : run.steps.find((candidate) => candidate.key === task.stepKey);
      if (!step)
        throw new GithubCallError('The step is not in its run.', 'github_step_missing', false);
      const outputs = await this.dataSource.query<Array<{ stepKey: string; output: unknown }>>(
        `SELECT step_key AS "stepKey", output FROM workflow_tasks
          WHERE run_id = $1 AND status = 'succeeded' AND step_key <> $2`,
        [task.runId, ON_FINISH_KEY],
      );
      const call = planGithubCall(step, {
        runId: run.id,
        runStatus: run.status,
        taskInput: task.input,
        outputs: Object.fromEntries(outputs.map((row) => [row.stepKey, row.output])),
        publicUrl: this.config.publicUrl,
      });
      if (call.action === 'comment') {
        const lookFirst =
          task.attempt > 1 || task.takenOver
            ? { since: new Date(new Date(task.createdAt).getTime() - MARKER_CLOCK_MARGIN_MS) }
            : undefined;
        const posted = await this.github.comment(
          call.target,
          call.issue,
          call.body,
          call.marker,
          lookFirst,
        );
        return { call, output: { url: posted.url, id: posted.id } };
      }
      const status = await this.github.status(call.target, call.sha, call);
      return { call, output: { url: status.url, id: status.id, state: call.state } };
    } catch (error) {
      return { failure: callFailure(error) };
    }
  }

  /** The attempt's outcome, under the run's lock, if the attempt is still ours. */
  private async record(tx: Transaction, task: Claimed, result: Result): Promise<void> {
    const run = await this.engine.lockRun(tx, task.tenantId, task.runId);
    if (!run) return;
    const [current] = await tx.manager.query<TaskRow[]>(
      `SELECT ${TASK_COLUMNS} FROM workflow_tasks t
        WHERE t.id = $1 AND t.status = 'waiting' AND t.lease_token = $2 FOR UPDATE`,
      [task.id, task.leaseToken],
    );
    if (!current) {
      // Cancelled with its run, or taken over by another attempt since. Cancelled, nothing
      // will run it again, yet GitHub holds what this attempt made: that goes on record. (An
      // attempt taken over is recorded by the one that took it, which finds its marker.)
      if ('output' in result) {
        // Still under this attempt's lease (a taken-over attempt has another's).
        const [gone] = await tx.manager.query<Array<{ status: string }>>(
          `SELECT status FROM workflow_tasks WHERE id = $1 AND lease_token = $2`,
          [task.id, task.leaseToken],
        );
        if (gone?.status === 'cancelled')
          await this.reportDone(tx, task, result.call, result.output);
      }
      return;
    }
    if ('output' in result) {
      await this.reportDone(tx, current, result.call, result.output);
      await this.end(tx, run, { task: current, status: 'succeeded', output: result.output });
      return;
    }
    const { failure } = result;
    const error: TaskError = { message: failure.message, code: failure.code };
    if (failure.retryable && current.attempt < current.maxAttempts) {
      const delay =
        failure.retryAfterSeconds ?? backoffSeconds(current.retryBackoff, current.attempt);
      const [queued] = updatedRows<TaskRow>(
        await tx.manager.query(
          `UPDATE workflow_tasks t SET attempt = attempt + 1, error = $2::jsonb, lease_token = NULL,
                  wake_at = now() + make_interval(secs => $3)
            WHERE t.id = $1 RETURNING ${TASK_COLUMNS}`,
          [current.id, JSON.stringify(error), delay],
        ),
      );
      await this.events.emit(tx, {
        type: 'workflow.step.retrying',
        subject: { type: 'workflow', id: run.id },
        tenantId: run.tenantId,
        data: {
          taskId: queued.id,
          workflowId: run.id,
          stepKey: queued.stepKey,
          kind: queued.kind,
          attempt: current.attempt,
          nextAttempt: queued.attempt,
          availableAt: new Date(queued.wakeAt!).toISOString(),
          error,
        },
      });
      return;
    }
    this.logger.warn({ taskId: current.id, code: failure.code }, failure.message);
    await this.end(tx, run, { task: current, status: 'failed', error });
  }

  private async end(tx: Transaction, run: RunRow, outcome: WaitOutcome): Promise<void> {
    if (outcome.task.stepKey === ON_FINISH_KEY) await this.engine.finishAfterRun(tx, outcome);
    else await this.engine.finishWaiting(tx, run, [outcome]);
  }

  /** The audit entry (repo, issue or commit, what was created; never a credential) and event. */
  private async reportDone(
    tx: Transaction,
    task: TaskRow,
    call: GithubCall,
    output: Record<string, unknown>,
  ): Promise<void> {
    const what =
      call.action === 'comment'
        ? { repo: call.target.repo, issue: call.issue, commentId: output.id, url: output.url }
        : {
            repo: call.target.repo,
            sha: call.sha,
            state: call.state,
            context: call.context,
            statusId: output.id,
            url: output.url,
          };
    await this.audit.record(tx, {
      action: call.action === 'comment' ? 'github.comment' : 'github.status',
      resource: { type: 'task', id: task.id },
      after: { ...what, stepKey: task.stepKey, workflowId: task.runId },
      tenantId: task.tenantId,
    });
    await this.events.emit(tx, {
      type: call.action === 'comment' ? 'github.comment.posted' : 'github.status.set',
      subject: { type: 'workflow', id: task.runId },
      tenantId: task.tenantId,
      data: {
        workflowId: task.runId,
        stepKey: task.stepKey,
        taskId: task.id,
        attempt: task.attempt,
        ...what,
      },
    });
  }
}
