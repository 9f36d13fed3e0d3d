import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { currentTenantId } from '../common/context/request-context';
import { UUID_PATTERN } from '../common/ids';
import type { DomainEvent } from '../events/domain-event';
import { EventsService } from '../events/events.service';
import { NotFoundError } from '../common/errors/domain-error';
import { BudgetedRow, decodeCursor, Page, PAGE_BYTES, toBudgetedPage } from '../common/pagination';
import { SLUG_PATTERN } from './dto/definition.dto';
import type { AgentTaskDto, TaskAttemptDto, TaskDetailDto } from './dto/task-detail.dto';
import type { TaskStatus } from './state-machine';
import { taskView } from './views';
import { STORED_TASK_COLUMNS, TASK_COLUMNS, TASK_STORED_SIZE, TaskRow } from './workflow-rows';
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

  /**
   * An agent's tasks, latest claim first: those it holds and those whose last attempt it ran
   * (a task retried by another agent since is that agent's). Keyset pages on (claimed_at, id),
   * served by the partial index of tasks with an agent.
   */
  async ofAgent(
    agentId: string,
    status: TaskStatus | undefined,
    limit: number,
    cursor?: string,
  ): Promise<Page<AgentTaskDto>> {
    const tenantId = currentTenantId();
    const notFound = () =>
      new NotFoundError('agent_not_found', `Agent "${agentId.slice(0, 80)}" was not found.`);
    if (!SLUG_PATTERN.test(agentId)) throw notFound();
    const after = decodeCursor(cursor, ['timestamptz', UUID_PATTERN]);
    const [agent] = await this.dataSource.query<Array<{ id: string }>>(
      `SELECT id FROM agents WHERE tenant_id = $1 AND id = $2`,
      [tenantId, agentId],
    );
    if (!agent) throw notFound();
    const rows = await this.dataSource.query<Array<BudgetedRow<TaskRow & { claimKey: string }>>>(
      `WITH page AS (
         SELECT t.id, sum(z.size) OVER (ORDER BY t.claimed_at DESC, t.id DESC) - z.size AS before
           FROM workflow_tasks t CROSS JOIN LATERAL (SELECT ${TASK_STORED_SIZE} AS size) z
          WHERE t.tenant_id = $1 AND t.agent_id = $2 AND t.claimed_at IS NOT NULL
            AND ($3::varchar IS NULL OR t.status = $3)
            AND ($4::timestamptz IS NULL OR (t.claimed_at, t.id) < ($4::timestamptz, $5::uuid))
          ORDER BY t.claimed_at DESC, t.id DESC LIMIT $6)
       SELECT ${TASK_COLUMNS}, t.claimed_at::text AS "claimKey",
              (SELECT count(*) FROM page)::int AS "pageRows"
         FROM page p JOIN workflow_tasks t ON t.id = p.id
        WHERE p.before < $7
        ORDER BY t.claimed_at DESC, t.id DESC`,
      [
        tenantId,
        agentId,
        status ?? null,
        after?.[0] ?? null,
        after?.[1] ?? null,
        limit + 1,
        PAGE_BYTES,
      ],
    );
    const page = toBudgetedPage(rows, limit, (row) => [row.claimKey, row.id]);
    return {
      items: page.items.map((task) => ({
        ...taskView(task),
        workflowId: task.runId,
        stepKey: task.stepKey,
        skill: task.skill,
      })),
      nextCursor: page.nextCursor,
    };
  }

  async get(id: string): Promise<TaskDetailDto> {
    if (!UUID_PATTERN.test(id)) throw new TaskNotFoundError(id.slice(0, 80));
    const tenantId = currentTenantId();
    // A task a retry of its run replaced is kept in workflow_tasks_retired, as it ended.
    const [task] = await this.dataSource.query<Array<TaskRow & { retiredAt: Date | null }>>(
      `SELECT ${TASK_COLUMNS}, NULL::timestamptz AS "retiredAt"
         FROM workflow_tasks t WHERE t.tenant_id = $1 AND t.id = $2
       UNION ALL
       SELECT ${STORED_TASK_COLUMNS}, r.retired_at
         FROM workflow_tasks_retired r
        CROSS JOIN LATERAL jsonb_populate_record(NULL::workflow_tasks, r.task) t
        WHERE r.tenant_id = $1 AND r.id = $2
       LIMIT 1`,
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
      retiredAt: task.retiredAt === null ? null : new Date(task.retiredAt).toISOString(),
    };
  }
}

/**
 * One entry per attempt that was claimed (or ended without a claim: a cancel), in order; a
 * claim that was put back is none.
 */
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
    if (event.type === 'task.queued' || event.type === 'task.held') {
      // A claim put back (its client hung up before the answer; held, if its run's budget is
      // exceeded): undone, its attempt unspent. Else the task was queued or held unclaimed.
      if (attempts.get(attempt)?.status === 'claimed') attempts.delete(attempt);
      continue;
    }
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
