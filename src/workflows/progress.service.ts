import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ActivityBeats } from '../agents/activity-beats';
import { currentTenantId, requestContext } from '../common/context/request-context';
import type { AppConfig } from '../config/config';
import { InjectConfig } from '../config/config.module';
import { UnitOfWork } from '../database/unit-of-work';
import { ProgressData, ProgressWriter } from './progress-writer';
import { TasksService } from './tasks.service';
import { WorkflowErrorCode } from './workflows.errors';
import { BadRequestError } from '../common/errors/domain-error';
import { WorkflowEngine } from './engine';
import { BudgetsService } from './usage/budgets.service';
import type { UsageReport } from './usage/usage';

export interface ProgressReport {
  message?: string;
  percent?: number;
  data?: Record<string, unknown>;
  /** What was used since the holder's last report: counted at once. */
  usage?: UsageReport;
}

export interface ProgressAnswer {
  id: string;
  leaseExpiresAt: string;
  /** False: stored as the latest report, its event follows within PROGRESS_INTERVAL_MS. */
  emitted: boolean;
}

/**
 * Extends the lease as a heartbeat does and keeps the latest report, in one statement with
 * the coalescing decision: a `task.progress` event at most once per PROGRESS_INTERVAL_MS per
 * task (decided on the row, so replicas agree). A report inside the interval is kept as owed
 * (`pending`) and written by a trailing write when the interval is over, or before the attempt
 * ends (completed, failed, timed out, cancelled), whichever comes first: the latest report
 * always reaches the history, and never after the attempt's end.
 */
const REPORT_SQL = `WITH lease AS (
    UPDATE workflow_tasks
       SET lease_expires_at = now() + make_interval(secs => $4)
     WHERE tenant_id = $1 AND id = $2 AND status = 'claimed' AND lease_token = $3
       AND lease_expires_at > now() AND ($5::varchar IS NULL OR agent_id = $5)
    RETURNING id, tenant_id, run_id, step_key, agent_id, attempt, lease_expires_at)
  INSERT INTO task_progress AS p
         (task_id, tenant_id, run_id, attempt, progress, updated_at, emitted_at, pending)
  SELECT id, tenant_id, run_id, attempt,
         jsonb_build_object('taskId', id, 'workflowId', run_id, 'stepKey', step_key,
                            'agentId', agent_id, 'attempt', attempt) || $6::jsonb,
         clock_timestamp(), clock_timestamp(), false
    FROM lease
  ON CONFLICT (task_id) DO UPDATE
     SET progress = EXCLUDED.progress, updated_at = EXCLUDED.updated_at,
         attempt = EXCLUDED.attempt,
         pending = p.attempt = EXCLUDED.attempt
                   AND p.emitted_at > EXCLUDED.updated_at - make_interval(secs => $7),
         emitted_at = CASE WHEN p.attempt = EXCLUDED.attempt
                             AND p.emitted_at > EXCLUDED.updated_at - make_interval(secs => $7)
                           THEN p.emitted_at ELSE EXCLUDED.emitted_at END
  RETURNING p.tenant_id AS "tenantId", p.progress, p.pending,
            (SELECT lease_expires_at FROM lease) AS "leaseExpiresAt"`;

const MAX_DATA_CHARS = 16 * 1024;

@Injectable()
export class ProgressService implements OnApplicationShutdown {
  private readonly logger = new Logger(ProgressService.name);
  /** Trailing writes owed by this replica, one timer per task. */
  private readonly trailing = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly writer: ProgressWriter,
    private readonly tasks: TasksService,
    private readonly engine: WorkflowEngine,
    private readonly budgets: BudgetsService,
    private readonly activity: ActivityBeats,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async report(
    taskId: string,
    leaseToken: string,
    report: ProgressReport,
  ): Promise<ProgressAnswer> {
    const tenantId = currentTenantId();
    if (report.data !== undefined && JSON.stringify(report.data).length > MAX_DATA_CHARS) {
      throw new BadRequestError(
        WorkflowErrorCode.ProgressTooLarge,
        'Progress data must serialise to at most 16 KiB; send a summary, or the output at completion.',
        [{ field: 'data', message: 'at most 16 KiB of JSON' }],
      );
    }
    const fields = {
      ...(report.message !== undefined ? { message: report.message } : {}),
      ...(report.percent !== undefined ? { percent: report.percent } : {}),
      ...(report.data !== undefined ? { data: report.data } : {}),
      at: new Date().toISOString(),
    };
    const row = await this.unitOfWork.run(async (tx) => {
      // Usage adds to the run's totals: its lock first, as every writer of a run and its tasks.
      if (report.usage) await this.engine.lockRunOfTask(tx, tenantId, taskId);
      // An INSERT answers its rows (an UPDATE would answer [rows, count]).
      const rows = await tx.manager.query<
        Array<{ tenantId: string; progress: ProgressData; pending: boolean; leaseExpiresAt: Date }>
      >(REPORT_SQL, [
        tenantId,
        taskId,
        leaseToken,
        this.config.taskLeaseSeconds,
        requestContext.get()?.agentId ?? null,
        JSON.stringify(fields),
        this.config.progressIntervalMs / 1000,
      ]);
      const [stored] = rows;
      if (stored && !stored.pending) await this.writer.emit(tx, stored.tenantId, stored.progress);
      if (stored && report.usage) {
        await this.budgets.record(tx, [
          { taskId, runId: stored.progress.workflowId, usage: report.usage, source: 'progress' },
        ]);
      }
      return stored;
    });
    // Not the holder: the heartbeat's own answer says why (409, or 404).
    if (!row) return { ...(await this.tasks.heartbeat(taskId, leaseToken)), emitted: false };
    // It extends the lease as a heartbeat does, and as one it says the agent is alive.
    if (row.progress.agentId !== null) this.activity.touch(row.tenantId, row.progress.agentId);
    if (row.pending) this.owe(taskId);
    return {
      id: taskId,
      leaseExpiresAt: new Date(row.leaseExpiresAt).toISOString(),
      emitted: !row.pending,
    };
  }

  /** The trailing write, once the interval that held the report back is over. */
  private owe(taskId: string): void {
    if (this.trailing.has(taskId)) return;
    const timer = setTimeout(() => {
      this.trailing.delete(taskId);
      this.writer
        .flush(taskId)
        .catch((error: Error) =>
          this.logger.warn(`Writing a task's latest progress failed: ${error.message}`),
        );
    }, this.config.progressIntervalMs);
    this.trailing.set(taskId, timer);
  }

  /** Shutdown: what is owed is written now rather than lost. */
  async onApplicationShutdown(): Promise<void> {
    const owed = [...this.trailing.keys()];
    for (const timer of this.trailing.values()) clearTimeout(timer);
    this.trailing.clear();
    await Promise.all(owed.map((taskId) => this.writer.flush(taskId).catch(() => undefined)));
  }
}
