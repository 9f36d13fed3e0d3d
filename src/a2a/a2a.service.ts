import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TenantsService } from '../auth/tenants.service';
import { ConflictError } from '../common/errors/domain-error';
import { KeyChanges } from '../auth/key-changes';
import { currentTenantId, requestContext } from '../common/context/request-context';
import type { AppConfig } from '../config/config';
import { InjectConfig } from '../config/config.module';
import { ReadRouter } from '../database/read-router';
import { EventFeed } from '../streams/event-feed';
import { UUID_PATTERN } from '../common/ids';
import { BadRequestError } from '../common/errors/domain-error';
import { decodeCursor, encodeCursor } from '../common/pagination';
import { DefinitionsService } from '../workflows/definitions.service';
import type { WorkflowDefinition } from '../workflows/entities/workflow-definition.entity';
import { RunsService } from '../workflows/runs.service';
import {
  DefinitionNotFoundError,
  RunNotFoundError,
  WorkflowErrorCode,
} from '../workflows/workflows.errors';
import {
  A2aInvalidParamsError,
  A2aTaskNotCancelableError,
  A2aTaskNotFoundError,
} from './a2a.errors';
import {
  A2aTask,
  INPUT_KINDS,
  INPUT_STEPS_SQL,
  InputStepRow,
  isSettled,
  statusChangedAt,
  taskFromRun,
  TaskState,
} from './a2a-task';
import { configurationErrors, runRequestOf } from './send-message';
import { A2aPushService } from './push/a2a-push.service';
import type { PushConfigRequest } from './push/push-config';
import { serviceCard } from './service-card';
import type { SendMessageRequestDto } from './dto/send-message.dto';
import type { ListTasksQueryDto } from './dto/list-tasks.dto';
import type { RunRow } from '../workflows/workflow-rows';
import { RUN_COLUMNS } from '../workflows/workflow-rows';

const DEFINITIONS_PAGE = 200;
/** A blocking SendMessage with nothing to wake it looks at its run again this often. */
const SETTLE_POLL_MS = 2_000;

/**
 * The run statuses behind each task state: `running` is split by whether an approval or wait
 * step waits (input-required) or not (working); a run stopped at its budget is input-required.
 */
const STATUSES_OF: Record<TaskState, string[]> = {
  TASK_STATE_SUBMITTED: ['scheduled', 'pending'],
  TASK_STATE_WORKING: ['running'],
  TASK_STATE_INPUT_REQUIRED: ['running', 'budget_exceeded'],
  TASK_STATE_COMPLETED: ['succeeded'],
  TASK_STATE_FAILED: ['failed'],
  TASK_STATE_CANCELED: ['cancelled'],
};

export interface ListTasksResponse {
  tasks: A2aTask[];
  nextPageToken: string;
  pageSize: number;
  totalSize: number;
}

/** The A2A 1.0 surface over runs: the tenant's card, and tasks that are runs. */
@Injectable()
export class A2aService {
  constructor(
    private readonly runs: RunsService,
    private readonly definitions: DefinitionsService,
    private readonly tenants: TenantsService,
    private readonly feed: EventFeed,
    private readonly dataSource: DataSource,
    private readonly reads: ReadRouter,
    private readonly push: A2aPushService,
    private readonly keyChanges: KeyChanges,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /** Built on every call, so the skills follow the definitions as they change. */
  async card(): Promise<Record<string, unknown>> {
    const tenantId = currentTenantId();
    const tenant = (await this.tenants.find(tenantId)) ?? { id: tenantId, name: tenantId };
    const definitions: WorkflowDefinition[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.definitions.list(DEFINITIONS_PAGE, cursor);
      definitions.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return serviceCard(tenant, definitions, this.config.publicUrl);
  }

  /**
   * SendMessage: starts the run; unless `configuration.returnImmediately`, answers once the task
   * is terminal or input-required, or after A2A_SEND_WAIT_SECONDS with the task as it is then.
   */
  async send(body: SendMessageRequestDto): Promise<{ task: A2aTask; pushSecret?: string }> {
    const { task, pushSecret } = await this.start(body);
    const answer = (settled: A2aTask) => ({ task: settled, ...(pushSecret ? { pushSecret } : {}) });
    if (body.configuration?.returnImmediately === true || isSettled(task)) return answer(task);
    return answer(await this.settle(task.id, this.config.a2aSendWaitSeconds * 1000));
  }

  /**
   * Starts the run the message asks for; answers its task as submitted. A push notification
   * config in the configuration is checked first and registered for the new task; its signing
   * secret comes back as `pushSecret`.
   */
  async start(body: SendMessageRequestDto): Promise<{ task: A2aTask; pushSecret?: string }> {
    const request = runRequestOf(body.message, body.metadata);
    const invalid = configurationErrors(body.configuration);
    if (invalid.length > 0)
      throw new A2aInvalidParamsError('The SendMessageRequest is not valid.', invalid);
    const push = await this.pushRequestOf(body.configuration);
    let task: A2aTask;
    try {
      const detail = await this.runs.start({
        definitionKey: request.skillId,
        input: request.input,
      });
      task = taskFromRun(detail);
    } catch (error) {
      if (error instanceof DefinitionNotFoundError) {
        throw new A2aInvalidParamsError('The SendMessageRequest is not valid.', [
          {
            field: 'message.metadata.skillId',
            message: `no skill (workflow definition) "${request.skillId.slice(0, 80)}" in this tenant`,
          },
        ]);
      }
      throw error;
    }
    if (!push) return { task };
    const { secret } = await this.push.create(task.id, undefined, {
      request: push,
      baseline: task,
    });
    return { task, pushSecret: secret };
  }

  /**
   * SendMessageConfiguration's push config: `taskPushNotificationConfig` (lf.a2a.v1), or
   * `pushNotificationConfig` as earlier 1.0 drafts named it; one of them.
   */
  private async pushRequestOf(
    configuration: Record<string, unknown> | undefined,
  ): Promise<PushConfigRequest | undefined> {
    const names = ['taskPushNotificationConfig', 'pushNotificationConfig'].filter(
      (name) => configuration?.[name] !== undefined && configuration?.[name] !== null,
    );
    if (names.length === 0) return undefined;
    if (names.length > 1) {
      throw new A2aInvalidParamsError('The SendMessageRequest is not valid.', [
        {
          field: 'configuration.pushNotificationConfig',
          message: 'send taskPushNotificationConfig or pushNotificationConfig, not both',
        },
      ]);
    }
    return this.push.check(configuration![names[0]], `configuration.${names[0]}`);
  }

  /**
   * The task once settled (see `isSettled`) or at the deadline. Woken by the run's events on the
   * shared feed, listened to before each read so none falls between; a slow poll besides. The key
   * was valid when the request began: when it is revoked, rotated or changed meanwhile (any
   * replica, see KeyChanges), or expires, the wait ends with the task as last read before that,
   * so nothing the run does afterwards is handed to it (as a claim's wait and a stream end).
   */
  private async settle(id: string, waitMs: number): Promise<A2aTask> {
    const tenantId = currentTenantId();
    const context = requestContext.get();
    const deadline = Math.min(Date.now() + waitMs, context?.apiKeyExpiresAt ?? Infinity);
    const key = context?.apiKeyId ? this.keyChanges.watch(context.apiKeyId) : undefined;
    let wake: (() => void) | undefined;
    let changed = false;
    const onKeyChange = () => wake?.();
    key?.signal.addEventListener('abort', onKeyChange, { once: true });
    const leave = this.feed.open();
    const unlisten = this.feed.listen({
      tenantId,
      deliver: (events) => {
        if (!events.some((event) => event.subject.type === 'workflow' && event.subject.id === id))
          return;
        changed = true;
        wake?.();
      },
    });
    try {
      let last: A2aTask | undefined;
      for (;;) {
        changed = false;
        if (last && key?.changed) return last;
        const task = await this.get(id);
        if (key?.changed) return last ?? task;
        last = task;
        const left = deadline - Date.now();
        if (isSettled(task) || left <= 0) return task;
        if (changed) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, SETTLE_POLL_MS));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    } finally {
      key?.signal.removeEventListener('abort', onKeyChange);
      key?.dispose();
      unlisten();
      leave();
    }
  }

  /**
   * ListTasks: the tenant's runs as tasks, newest first, in keyset pages (the page token is the
   * last run's id). `contextId` is a run id (each task is its own context); a state filter maps
   * to run statuses, `running` split by whether an approval or wait step waits.
   */
  async list(query: ListTasksQueryDto): Promise<ListTasksResponse> {
    const tenantId = currentTenantId();
    const pageSize = query.pageSize ?? 50;
    const after = pageTokenOf(query.pageToken);
    const state = query.status && query.status !== 'TASK_STATE_UNSPECIFIED' ? query.status : null;
    const statuses = state ? (STATUSES_OF[state as TaskState] ?? []) : null;
    const input =
      state === 'TASK_STATE_INPUT_REQUIRED' ? true : state === 'TASK_STATE_WORKING' ? false : null;
    const contextId =
      query.contextId === undefined
        ? null
        : UUID_PATTERN.test(query.contextId)
          ? query.contextId
          : '';
    const since = query.statusTimestampAfter ? new Date(query.statusTimestampAfter) : null;
    const where = `r.tenant_id = $1
        AND ($2::varchar[] IS NULL OR r.status = ANY($2::varchar[]))
        AND ($3::text IS NULL OR r.id::text = $3)
        AND ($4::timestamptz IS NULL OR ${statusChangedAt('$6::varchar[]')} > $4)
        AND ($5::boolean IS NULL OR r.status <> 'running' OR $5 = EXISTS (
              SELECT 1 FROM workflow_tasks w
               WHERE w.run_id = r.id AND w.status = 'waiting' AND w.kind = ANY($6::varchar[])))`;
    const filters = [tenantId, statuses, contextId, since, input, INPUT_KINDS];
    const { rows, total } = await this.reads.read(async (source) => {
      const rows = await source.query<RunRow[]>(
        `SELECT ${RUN_COLUMNS} FROM workflow_runs r
          WHERE ${where} AND ($7::uuid IS NULL OR r.id < $7::uuid)
          ORDER BY r.id DESC LIMIT $8`,
        [...filters, after ? after[0] : null, pageSize + 1],
      );
      const [count] = await source.query<Array<{ n: number }>>(
        `SELECT count(*)::int AS n FROM workflow_runs r WHERE ${where}`,
        filters,
      );
      return { rows, total: count.n };
    });
    const page = rows.slice(0, pageSize);
    const inputSteps = page.length
      ? await this.dataSource.query<InputStepRow[]>(INPUT_STEPS_SQL, [
          page.map((run) => run.id),
          INPUT_KINDS,
        ])
      : [];
    const tasks = page.map((run) => {
      const task = taskFromRun({ run, tasks: inputSteps.filter((row) => row.runId === run.id) });
      if (query.includeArtifacts !== 'true') delete task.artifacts;
      return task;
    });
    return {
      tasks,
      nextPageToken: rows.length > pageSize ? encodeCursor([page[page.length - 1].id]) : '',
      pageSize,
      totalSize: total,
    };
  }

  async get(id: string): Promise<A2aTask> {
    try {
      return taskFromRun(await this.runs.get(id));
    } catch (error) {
      if (error instanceof RunNotFoundError) throw new A2aTaskNotFoundError(id);
      throw error;
    }
  }

  async cancel(id: string): Promise<A2aTask> {
    try {
      return taskFromRun(await this.runs.cancel(id));
    } catch (error) {
      if (error instanceof RunNotFoundError) throw new A2aTaskNotFoundError(id);
      if (
        error instanceof ConflictError &&
        (error.code as WorkflowErrorCode) === WorkflowErrorCode.RunFinished
      ) {
        throw new A2aTaskNotCancelableError(id, (await this.get(id)).status.state);
      }
      throw error;
    }
  }
}

function pageTokenOf(token: string | undefined) {
  if (!token) return undefined;
  try {
    return decodeCursor(token, [UUID_PATTERN]);
  } catch (error) {
    if (!(error instanceof BadRequestError)) throw error;
    throw new A2aInvalidParamsError('The ListTasksRequest is not valid.', [
      { field: 'pageToken', message: 'pageToken is not one this agent issued' },
    ]);
  }
}
