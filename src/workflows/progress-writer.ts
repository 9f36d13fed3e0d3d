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

interface PendingRow {
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
    await this.unitOfWork.run(async (tx) => {
      const [rows] = await tx.manager.query<[PendingRow[], number]>(
        `UPDATE task_progress SET pending = false, emitted_at = clock_timestamp()
          WHERE task_id = $1 AND pending RETURNING ${PENDING_COLUMNS}`,
        [taskId],
      );
      for (const row of rows) await this.emit(tx, row.tenantId, row.progress);
    });
  }

  /**
   * Completing tasks: their owed progress goes into the history before the completion (its
   * events are written in order). Read without a lock, marked after the completion has locked
   * its tasks (the order of every other writer: task, then progress); a report that slipped in
   * between keeps its own trailing write.
   */
  async beforeCompletion(tx: Transaction, taskIds: string[]): Promise<() => Promise<void>> {
    const rows = await tx.manager.query<PendingRow[]>(
      `SELECT ${PENDING_COLUMNS} FROM task_progress WHERE task_id = ANY($1::uuid[]) AND pending`,
      [taskIds],
    );
    if (rows.length === 0) return async () => undefined;
    for (const row of rows) await this.emit(tx, row.tenantId, row.progress);
    return async () => {
      await tx.manager.query(
        `UPDATE task_progress p SET pending = false, emitted_at = clock_timestamp()
           FROM unnest($1::uuid[], $2::timestamptz[]) AS seen(task_id, updated_at)
          WHERE p.task_id = seen.task_id AND p.updated_at = seen.updated_at AND p.pending`,
        [rows.map((row) => row.taskId), rows.map((row) => row.updatedAt)],
      );
    };
  }
}
