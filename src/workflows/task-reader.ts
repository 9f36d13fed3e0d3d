import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { currentTenantId } from '../common/context/request-context';
import { UUID_PATTERN } from '../common/ids';
import type { DomainEvent } from '../events/domain-event';
import { EventsService } from '../events/events.service';
import type { TaskAttemptDto, TaskDetailDto } from './dto/task-detail.dto';
import { taskView } from './views';
import { TASK_COLUMNS, TaskRow } from './workflow-rows';
import { TaskNotFoundError } from './workflows.errors';

/** How an attempt ended, by the event that says so. */
const ENDINGS: Record<string, string> = {
  'task.succeeded': 'succeeded',
  'task.failed': 'failed',
  'task.timed_out': 'timed_out',
  'task.cancelled': 'cancelled',
};

/** `GET /tasks/{id}`: the task as it is now, and each attempt from its history. */
@Injectable()
export class TaskReader {
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: EventsService,
  ) {}

  async get(id: string): Promise<TaskDetailDto> {
    if (!UUID_PATTERN.test(id)) throw new TaskNotFoundError(id.slice(0, 80));
    const tenantId = currentTenantId();
    const [task] = await this.dataSource.query<TaskRow[]>(
      `SELECT ${TASK_COLUMNS} FROM workflow_tasks t WHERE t.tenant_id = $1 AND t.id = $2`,
      [tenantId, id],
    );
    if (!task) throw new TaskNotFoundError(id);
    const history = await this.events.ofTask(tenantId, task.runId, task.id);
    return {
      ...taskView(task),
      workflowId: task.runId,
      stepKey: task.stepKey,
      skill: task.skill,
      attempts: attemptsOf(history),
    };
  }
}

/** One entry per attempt that was claimed (or ended without a claim: a cancel), in order. */
export function attemptsOf(history: DomainEvent[]): TaskAttemptDto[] {
  const attempts = new Map<number, TaskAttemptDto>();
  const entry = (attempt: number): TaskAttemptDto => {
    let found = attempts.get(attempt);
    if (!found) {
      found = {
        attempt,
        status: 'claimed',
        agentId: null,
        claimedAt: null,
        finishedAt: null,
        durationMs: null,
        error: null,
      };
      attempts.set(attempt, found);
    }
    return found;
  };
  for (const event of history) {
    const data = event.data;
    const attempt = typeof data.attempt === 'number' ? data.attempt : undefined;
    if (attempt === undefined) continue;
    const at = new Date(event.occurredAt).toISOString();
    if (event.type === 'task.claimed') {
      const current = entry(attempt);
      current.agentId = typeof data.agentId === 'string' ? data.agentId : null;
      current.claimedAt = at;
      continue;
    }
    const ending = ENDINGS[event.type];
    if (!ending) continue;
    const current = entry(attempt);
    current.status = ending;
    current.finishedAt = at;
    if (current.agentId === null && typeof data.agentId === 'string')
      current.agentId = data.agentId;
    current.durationMs = typeof data.durationMs === 'number' ? data.durationMs : null;
    current.error = data.error ?? null;
  }
  return [...attempts.values()].sort((a, b) => a.attempt - b.attempt);
}
