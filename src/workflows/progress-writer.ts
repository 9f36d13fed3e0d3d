import { Injectable } from '@nestjs/common';
import { EventsService } from '../events/events.service';
import { Transaction, UnitOfWork } from '../database/unit-of-work';

/** The data of a `task.progress` event, as stored in `task_progress.progress`. */
export interface ProgressData {
  taskId: string;
  workflowId: string;
  stepKey: string;
  agentId: string | null;
  attempt: number;
  message?: string;
  percent?: number;
  data?: Record<string, unknown>;
  at: string;
}

export interface OwedProgress {
  taskId: string;
  tenantId: string;
  runId: string;
  progress: ProgressData;
  /** As text: microseconds, which a JS Date would round away. */
  updatedAt: string;
}

const PENDING_COLUMNS = `task_id AS "taskId", tenant_id AS "tenantId", run_id AS "runId",
  progress, updated_at::text AS "updatedAt"`;

/**
 * The owed progress of the tasks whose ids are `$2` (uuid[]), as a JSON array of
 * `OwedProgress` (null when none): a scalar sub-select for the statement a completion sends
 * anyway, so a completion with nothing owed pays no round trip for asking. Read once the
 * statement's `done` has locked (and succeeded) the tasks, in a snapshot of its own (the
 * VOLATILE function `workflow_owed_progress`): a report that committed while the completion
 * waited for a task is owed too, and none can commit after it (a report needs the task's lock).
 */
export const OWED_PROGRESS_SQL = `(SELECT workflow_owed_progress($2::uuid[])
     FROM (SELECT count(*) FROM done) settled)`;

/**
 * Writes `task.progress` events: the one of a report, and the trailing one a coalesced report
 * is owed. Apart from ProgressService so the completion path can flush without a cycle.
 */
@Injectable()
export class ProgressWriter {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly events: EventsService,
  ) {}

  async emit(tx: Transaction, tenantId: string, progress: ProgressData): Promise<void> {
    await this.events.emit(tx, {
      type: 'task.progress',
      subject: { type: 'workflow', id: progress.workflowId },
      tenantId,
      data: { ...progress },
    });
  }

  /** The trailing write: the latest report of the task, if no event carries it yet. */
  async flush(taskId: string): Promise<void> {
    await this.unitOfWork.run((tx) => this.emitOwedOf(tx, [taskId]));
  }

  /**
   * The latest reports of `taskIds` that no event carries yet, written now. Attempts that end
   * otherwise than by completion (failed, timed out, cancelled) write theirs so, before their
   * end, while they hold their tasks' locks: no report of them commits after, and no trailing
   * write puts one after the end.
   */
  async emitOwedOf(tx: Transaction, taskIds: string[]): Promise<void> {
    const [rows] = await tx.manager.query<[OwedProgress[], number]>(
      `UPDATE task_progress SET pending = false, emitted_at = clock_timestamp()
        WHERE task_id = ANY($1::uuid[]) AND pending RETURNING ${PENDING_COLUMNS}`,
      [taskIds],
    );
    for (const row of rows) await this.emit(tx, row.tenantId, row.progress);
  }

  /**
   * Completing tasks: their owed progress goes into the history before the completion (its
   * events are written in order). `rows` were read once the completion held its tasks
   * (`OWED_PROGRESS_SQL`), so no report of them commits after; they are marked at commit (the
   * mark matches the version read).
   */
  async emitOwed(tx: Transaction, rows: OwedProgress[]): Promise<void> {
    if (rows.length === 0) return;
    for (const row of rows) await this.emit(tx, row.tenantId, row.progress);
    tx.writeBeforeCommit(
      `UPDATE task_progress p SET pending = false, emitted_at = clock_timestamp()
         FROM unnest($1::uuid[], $2::timestamptz[]) AS seen(task_id, updated_at)
        WHERE p.task_id = seen.task_id AND p.updated_at = seen.updated_at AND p.pending`,
      [rows.map((row) => row.taskId), rows.map((row) => row.updatedAt)],
    );
  }
}
