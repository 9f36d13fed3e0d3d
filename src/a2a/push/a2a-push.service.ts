import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../../audit/audit.service';
import { BadRequestError } from '../../common/errors/domain-error';
import { currentTenantId, requestContext } from '../../common/context/request-context';
import { UUID_PATTERN } from '../../common/ids';
import { decodeCursor, encodeCursor } from '../../common/pagination';
import type { AppConfig } from '../../config/config';
import { InjectConfig } from '../../config/config.module';
import { Transaction, UnitOfWork } from '../../database/unit-of-work';
import type { DomainEvent } from '../../events/domain-event';
import { EventDispatcher } from '../../events/event-dispatcher';
import { EventsService } from '../../events/events.service';
import { DeliveryStore } from '../../webhooks/outbound/delivery-store';
import { WebhookEndpointsService } from '../../webhooks/outbound/webhook-endpoints.service';
import { UrlNotAllowedError } from '../../webhooks/outbound/webhooks.errors';
import { RUN_COLUMNS, RunRow } from '../../workflows/workflow-rows';
import {
  A2aInvalidParamsError,
  A2aPushConfigNotFoundError,
  A2aTaskNotFoundError,
  A2aUnsupportedOperationError,
} from '../a2a.errors';
import {
  A2aTask,
  INPUT_KINDS,
  INPUT_STEPS_SQL,
  InputStepRow,
  taskFromRun,
  TERMINAL_STATES,
} from '../a2a-task';
import { statusKey, taskUpdates } from '../a2a-task-stream';
import { A2aPushConfig } from './a2a-push-config.entity';
import {
  MAX_CONFIGS_PER_TASK,
  PushConfigRequest,
  pushConfigRequestOf,
  pushHeaders,
  TaskPushNotificationConfig,
} from './push-config';

/** Advisory-lock space ("a2ap") of a task's push configs, with hashtext(task id). */
const PUSH_LOCK_SPACE = 0x61326170;

export interface ListPushConfigsResponse {
  configs: TaskPushNotificationConfig[];
  nextPageToken: string;
}

/** A config as written, with the secret its deliveries are signed with. */
export interface IssuedPushConfig {
  config: TaskPushNotificationConfig;
  secret: string;
}

function answerOf(row: A2aPushConfig): TaskPushNotificationConfig {
  return {
    id: row.configId,
    taskId: row.taskId,
    url: row.endpoint?.url ?? '',
    ...(row.token ? { token: row.token } : {}),
    ...(row.authScheme ? { authentication: { scheme: row.authScheme } } : {}),
  };
}

/** What audit entries and events say about a config: never its token or credentials. */
function view(row: { taskId: string; configId: string; endpointId: string }, url: string) {
  return { taskId: row.taskId, configId: row.configId, endpointId: row.endpointId, url };
}

/**
 * A2A push notifications over the outbound webhook pipeline. A config is a webhook endpoint of
 * kind `a2a_push` for one task; each time the task's events change its status (as GetTask
 * maps it), the task's updates (StreamResponse objects, as message:stream sends them) are
 * queued for its configs as signed webhook deliveries, in order, with the config's token and
 * Authorization. Configs go when deleted, or once their task's terminal update is delivered.
 */
@Injectable()
export class A2aPushService implements OnModuleInit {
  private readonly logger = new Logger(A2aPushService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: AuditService,
    private readonly events: EventsService,
    private readonly dispatcher: EventDispatcher,
    private readonly deliveries: DeliveryStore,
    private readonly endpoints: WebhookEndpointsService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    // Every event on a run's subject, as the run's stream sees them.
    this.dispatcher.subscribe({
      name: 'a2a.push',
      types: ['*'],
      handle: async (tx, events) => {
        const runIds = runIdsOf(events);
        if (runIds.length > 0) await this.push(tx, runIds);
      },
    });
  }

  /**
   * Checks a config sent inside a SendMessageRequest before the task exists: its fields and
   * where its URL leads. Throws what a create would.
   */
  async check(value: unknown, field: string): Promise<PushConfigRequest> {
    const request = pushConfigRequestOf(value, null, field);
    await this.assertReachable(request.url, `${field}.url`);
    return request;
  }

  /**
   * CreateTaskPushNotificationConfig. A config id already on the task replaces that config's
   * URL, token and authentication (its secret stays). `baseline` is the task as the client last
   * saw it (a SendMessage's answer): what changed since is queued at once. Without it, updates
   * start from the task as it is now.
   */
  async create(
    taskId: string,
    value: unknown,
    prepared?: { request: PushConfigRequest; baseline: A2aTask },
  ): Promise<IssuedPushConfig> {
    const tenantId = currentTenantId();
    const request = prepared?.request ?? pushConfigRequestOf(value, taskId);
    if (!prepared) {
      await this.taskOrThrow(taskId);
      await this.assertReachable(request.url, 'url');
    }
    const issued = await this.unitOfWork.run(async (tx) => {
      await this.lockTasks(tx, [taskId]);
      const task = (await readTasks(tx.manager, tenantId, [taskId])).get(taskId);
      if (!task) throw new A2aTaskNotFoundError(taskId);
      if (!prepared && TERMINAL_STATES.includes(task.status.state)) {
        throw new A2aUnsupportedOperationError(
          `Task "${taskId}" is ${task.status.state}: a terminal task has no updates to push.`,
        );
      }
      const headers = pushHeaders(request);
      const existing = request.configId
        ? await tx.manager.findOne(A2aPushConfig, {
            where: { tenantId, taskId, configId: request.configId },
            relations: { endpoint: true },
          })
        : null;
      let endpointId: string;
      let secret: string;
      if (existing) {
        ({ secret } = await this.endpoints.updatePushEndpoint(tx, existing.endpointId, {
          url: request.url,
          headers,
        }));
        endpointId = existing.endpointId;
        await tx.manager.update(
          A2aPushConfig,
          { endpointId },
          {
            token: request.token,
            authScheme: request.authScheme,
            authCredentials: request.authCredentials,
          },
        );
      } else {
        const count = await tx.manager.count(A2aPushConfig, { where: { tenantId, taskId } });
        if (count >= MAX_CONFIGS_PER_TASK) {
          throw new A2aInvalidParamsError('The TaskPushNotificationConfig is not valid.', [
            {
              field: 'taskId',
              message: `a task has at most ${MAX_CONFIGS_PER_TASK} push notification configs`,
            },
          ]);
        }
        const issued = await this.endpoints.createPushEndpoint(tx, tenantId, {
          url: request.url,
          description: `A2A push notifications of task ${taskId}`,
          headers,
        });
        endpointId = issued.endpoint.id;
        secret = issued.secret;
        await tx.manager.insert(A2aPushConfig, {
          endpointId,
          tenantId,
          taskId,
          configId: request.configId ?? endpointId,
          token: request.token,
          authScheme: request.authScheme,
          authCredentials: request.authCredentials,
          pushedStatus: statusKey(prepared?.baseline ?? task),
          pushedTerminal: false,
        });
      }
      const row = await this.load(tx.manager, tenantId, taskId, request.configId ?? endpointId);
      await this.changed(tx, existing ? 'update' : 'create', row, row.endpoint!.url);
      // What happened since the baseline (a SendMessage's answer) goes now.
      if (prepared) await this.push(tx, [taskId]);
      return { config: answerOf(row), secret };
    });
    // A change of the task that committed after this create read it, and was dispatched
    // before this create committed, found no config of it: it is pushed now (the tasks' lock
    // makes it once). The config stands either way; a failure here is left to the log.
    if (!prepared) {
      await this.unitOfWork
        .run((tx) => this.push(tx, [taskId]))
        .catch((error: unknown) =>
          this.logger.warn({ err: error, taskId }, 'push catch-up after a config create failed'),
        );
    }
    return issued;
  }

  /** GetTaskPushNotificationConfig. */
  async get(taskId: string, configId: string): Promise<TaskPushNotificationConfig> {
    await this.taskOrThrow(taskId);
    return answerOf(await this.load(this.dataSource.manager, currentTenantId(), taskId, configId));
  }

  /** ListTaskPushNotificationConfigs: oldest first, in keyset pages. */
  async list(taskId: string, pageSize = 50, pageToken?: string): Promise<ListPushConfigsResponse> {
    await this.taskOrThrow(taskId);
    const after = pageTokenOf(pageToken);
    const query = this.dataSource
      .getRepository(A2aPushConfig)
      .createQueryBuilder('c')
      .innerJoinAndSelect('c.endpoint', 'e')
      .where('c.tenant_id = :tenantId AND c.task_id = :taskId', {
        tenantId: currentTenantId(),
        taskId,
      })
      .orderBy('c.endpoint_id', 'ASC')
      .take(pageSize + 1);
    if (after) query.andWhere('c.endpoint_id > :after', { after });
    const rows = await query.getMany();
    const page = rows.slice(0, pageSize);
    return {
      configs: page.map(answerOf),
      nextPageToken: rows.length > pageSize ? encodeCursor([page[page.length - 1].endpointId]) : '',
    };
  }

  /** DeleteTaskPushNotificationConfig: the config, its receiver and what it had not sent. */
  async delete(taskId: string, configId: string): Promise<void> {
    const tenantId = currentTenantId();
    await this.taskOrThrow(taskId);
    await this.unitOfWork.run(async (tx) => {
      await this.lockTasks(tx, [taskId]);
      const row = await this.load(tx.manager, tenantId, taskId, configId);
      await this.endpoints.deletePushEndpoints(tx, [row.endpointId]);
      await this.changed(tx, 'delete', row, row.endpoint!.url);
    });
  }

  /**
   * Queues the updates of these tasks for their configs whose last queued status differs from
   * the task's now, in the caller's transaction. The tasks' lock makes concurrent calls (two
   * replicas' dispatchers, a create) queue each change once and in order: each reads the
   * task after the previous one committed.
   */
  async push(tx: Transaction, taskIds: string[]): Promise<number> {
    const configs = await tx.manager.query<
      Array<{ endpointId: string; tenantId: string; taskId: string }>
    >(
      `SELECT endpoint_id AS "endpointId", tenant_id AS "tenantId", task_id AS "taskId"
         FROM a2a_push_configs WHERE task_id = ANY($1::uuid[]) AND NOT pushed_terminal`,
      [taskIds],
    );
    if (configs.length === 0) return 0;
    const tasks = [...new Set(configs.map((config) => config.taskId))];
    await this.lockTasks(tx, tasks);
    // Read again under the lock: what another transaction queued before it is committed.
    const locked = await tx.manager.query<
      Array<{ endpointId: string; tenantId: string; taskId: string; pushedStatus: string }>
    >(
      `SELECT endpoint_id AS "endpointId", tenant_id AS "tenantId", task_id AS "taskId",
              pushed_status AS "pushedStatus"
         FROM a2a_push_configs WHERE task_id = ANY($1::uuid[]) AND NOT pushed_terminal
        ORDER BY endpoint_id`,
      [tasks],
    );
    let queued = 0;
    for (const taskId of tasks) {
      const mine = locked.filter((config) => config.taskId === taskId);
      if (mine.length === 0) continue;
      const task = (await readTasks(tx.manager, mine[0].tenantId, [taskId])).get(taskId);
      if (!task) continue;
      const key = statusKey(task);
      const behind = mine.filter((config) => config.pushedStatus !== key);
      if (behind.length === 0) continue;
      const endpointIds = behind.map((config) => config.endpointId);
      queued += await this.deliveries.enqueue(
        tx,
        taskUpdates(task).map((update) => ({
          tenantId: mine[0].tenantId,
          eventType:
            'statusUpdate' in update ? 'a2a.task.status_update' : 'a2a.task.artifact_update',
          body: JSON.stringify(update),
          correlationId: requestContext.get()?.correlationId ?? null,
          endpointIds,
        })),
        this.config.webhookRetryScheduleMs,
      );
      await tx.manager.query(
        `UPDATE a2a_push_configs SET pushed_status = $2, pushed_terminal = $3
          WHERE endpoint_id = ANY($1::uuid[])`,
        [endpointIds, key, TERMINAL_STATES.includes(task.status.state)],
      );
    }
    return queued;
  }

  /**
   * Removes the configs whose task's terminal update was queued and whose deliveries are all
   * finished (succeeded or dead), or whose receiver was disabled (410, failing): nothing more
   * will reach it. Each with its audit entry and `a2a.push_config.deleted` event. Answers how
   * many went.
   */
  async sweep(limit = 100): Promise<number> {
    return this.unitOfWork.run(async (tx) => {
      const ended = await tx.manager.query<
        Array<{ endpointId: string; tenantId: string; taskId: string; configId: string }>
      >(
        `SELECT endpoint_id AS "endpointId", tenant_id AS "tenantId", task_id AS "taskId",
                config_id AS "configId"
           FROM a2a_push_configs WHERE pushed_terminal
          ORDER BY endpoint_id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      const settled = new Map(
        (
          await this.deliveries.settledEndpoints(
            tx,
            ended.map((row) => row.endpointId),
          )
        ).map((endpoint) => [endpoint.id, endpoint.url]),
      );
      const done = ended.flatMap((row) => {
        const url = settled.get(row.endpointId);
        return url === undefined ? [] : [{ ...row, url }];
      });
      if (done.length === 0) return 0;
      await this.endpoints.deletePushEndpoints(
        tx,
        done.map((row) => row.endpointId),
      );
      for (const row of done) await this.changed(tx, 'delete', row, row.url, 'task_ended');
      return done.length;
    });
  }

  private async changed(
    tx: Transaction,
    action: 'create' | 'update' | 'delete',
    row: { tenantId: string; taskId: string; configId: string; endpointId: string },
    url: string,
    reason?: 'task_ended',
  ): Promise<void> {
    const resource = { type: 'a2a_push_config', id: row.endpointId };
    const after = { ...view(row, url), ...(reason ? { reason } : {}) };
    await this.audit.record(tx, {
      action: `a2a_push_config.${action}`,
      resource,
      ...(action === 'delete'
        ? { before: view(row, url), after: reason ? { reason } : undefined }
        : { after }),
      tenantId: row.tenantId,
    });
    await this.events.emit(tx, {
      type: `a2a.push_config.${action === 'create' ? 'created' : action === 'update' ? 'updated' : 'deleted'}`,
      subject: resource,
      data: after,
      tenantId: row.tenantId,
    });
  }

  /** Same checks as a webhook endpoint's URL (SSRF guard, WEBHOOK_ALLOWED_CIDRS). */
  private async assertReachable(url: string, field: string): Promise<void> {
    try {
      await this.endpoints.assertTargetAllowed(url);
    } catch (error) {
      if (!(error instanceof UrlNotAllowedError)) throw error;
      throw new A2aInvalidParamsError('The TaskPushNotificationConfig is not valid.', [
        { field, message: error.errors?.[0]?.message ?? error.message },
      ]);
    }
  }

  /** The tenant's task, or TaskNotFoundError (another tenant's task is not found either). */
  private async taskOrThrow(taskId: string): Promise<void> {
    if (!UUID_PATTERN.test(taskId)) throw new A2aTaskNotFoundError(taskId);
    const [row] = await this.dataSource.query<Array<{ id: string }>>(
      `SELECT id FROM workflow_runs WHERE tenant_id = $1 AND id = $2`,
      [currentTenantId(), taskId],
    );
    if (!row) throw new A2aTaskNotFoundError(taskId);
  }

  private async load(
    manager: EntityManager,
    tenantId: string,
    taskId: string,
    configId: string,
  ): Promise<A2aPushConfig> {
    const row = await manager.findOne(A2aPushConfig, {
      where: { tenantId, taskId, configId },
      relations: { endpoint: true },
    });
    if (!row) throw new A2aPushConfigNotFoundError(taskId, configId);
    return row;
  }

  private async lockTasks(tx: Transaction, taskIds: string[]): Promise<void> {
    await tx.manager.query(
      `SELECT count(pg_advisory_xact_lock($1, hashtext(l.id::text)))
         FROM (SELECT DISTINCT id FROM unnest($2::uuid[]) AS u(id) ORDER BY id) l`,
      [PUSH_LOCK_SPACE, taskIds],
    );
  }
}

/** The runs the events are about: those on a run's subject. */
function runIdsOf(events: DomainEvent[]): string[] {
  return [
    ...new Set(
      events
        .filter((event) => event.subject.type === 'workflow' && UUID_PATTERN.test(event.subject.id))
        .map((event) => event.subject.id),
    ),
  ];
}

/** The tenant's runs as tasks, read in `manager` (a transaction's, under the tasks' lock). */
async function readTasks(
  manager: EntityManager,
  tenantId: string,
  ids: string[],
): Promise<Map<string, A2aTask>> {
  const runs = await manager.query<RunRow[]>(
    `SELECT ${RUN_COLUMNS} FROM workflow_runs r WHERE r.tenant_id = $1 AND r.id = ANY($2::uuid[])`,
    [tenantId, ids],
  );
  if (runs.length === 0) return new Map();
  const inputSteps = await manager.query<InputStepRow[]>(INPUT_STEPS_SQL, [
    runs.map((run) => run.id),
    INPUT_KINDS,
  ]);
  return new Map(
    runs.map((run) => [
      run.id,
      taskFromRun({ run, tasks: inputSteps.filter((row) => row.runId === run.id) }),
    ]),
  );
}

function pageTokenOf(token: string | undefined): string | undefined {
  if (!token) return undefined;
  try {
    return decodeCursor(token, [UUID_PATTERN])?.[0] as string | undefined;
  } catch (error) {
    if (!(error instanceof BadRequestError)) throw error;
    throw new A2aInvalidParamsError('The ListTaskPushNotificationConfigsRequest is not valid.', [
      { field: 'pageToken', message: 'pageToken is not one this agent issued' },
    ]);
  }
}
