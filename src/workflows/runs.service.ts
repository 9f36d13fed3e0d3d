import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { currentTenantId } from '../common/context/request-context';
import { BadRequestError, ConflictError, FieldError } from '../common/errors/domain-error';
import { UUID_PATTERN } from '../common/ids';
import { decodeCursor, Page, toPage } from '../common/pagination';
import { Transaction, UnitOfWork } from '../database/unit-of-work';
import { DomainEvent } from '../events/domain-event';
import { EventsService } from '../events/events.service';
import { normaliseSteps, StepSpec } from './dag';
import { DefinitionsService } from './definitions.service';
import { CreateRunDto } from './dto/run.dto';
import { WorkflowEngine } from './engine';
import { isTerminalRun, RunStatus } from './state-machine';
import { RUN_COLUMNS, RunRow, TASK_COLUMNS, TaskRow } from './workflow-rows';
import { RunNotFoundError, WorkflowErrorCode } from './workflows.errors';

export interface RunDetail {
  run: RunRow;
  tasks: TaskRow[];
}

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
  ) {}

  /** POST /workflows: from a definition (latest or a version) or inline steps. */
  async start(input: CreateRunDto): Promise<RunDetail> {
    const tenantId = currentTenantId();
    const { type, version, steps } = await this.resolve(input);
    // The answer is read inside the transaction: once it commits nothing is left to fail, so
    // a client (and its Idempotency-Key) never sees an error for a run that was started.
    return this.unitOfWork.run(async (tx) => {
      const run = (await this.engine.startRun(tx, {
        tenantId,
        type,
        definitionVersion: version,
        steps,
        input: input.input ?? null,
        priority: input.priority ?? 0,
      }))!;
      return this.detail(tx.manager, tenantId, run.id);
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
    const matching = await this.definitions.triggeredBy(
      tx.manager,
      event.tenantId,
      data.source,
      data.event,
    );
    let started = 0;
    for (const definition of matching) {
      const run = await this.engine.startRun(tx, {
        tenantId: event.tenantId,
        type: definition.key,
        definitionVersion: definition.version,
        steps: definition.steps,
        input: {
          trigger: { source: data.source, event: data.event, deliveryId: data.deliveryId },
          payload: data.payload ?? null,
        },
        priority: 0,
        triggerKey: `${data.source}:${data.deliveryId}`.slice(0, 300),
      });
      if (run) started += 1;
    }
    return started;
  }

  async list(
    filters: { status?: RunStatus; type?: string },
    limit: number,
    cursor?: string,
  ): Promise<Page<RunRow>> {
    const tenantId = currentTenantId();
    const after = decodeCursor(cursor, [UUID_PATTERN]);
    // Newest first: ids are UUIDv7, so id order is creation order.
    const rows = await this.dataSource.query<RunRow[]>(
      `SELECT ${RUN_COLUMNS} FROM workflow_runs r
        WHERE r.tenant_id = $1 AND ($2::uuid IS NULL OR r.id < $2)
          AND ($3::varchar IS NULL OR r.status = $3) AND ($4::varchar IS NULL OR r.type = $4)
        ORDER BY r.id DESC LIMIT $5`,
      [tenantId, after ? after[0] : null, filters.status ?? null, filters.type ?? null, limit + 1],
    );
    return toPage(rows, limit, (run) => [run.id]);
  }

  async get(id: string): Promise<RunDetail> {
    const tenantId = currentTenantId();
    if (!UUID_PATTERN.test(id)) throw new RunNotFoundError(id.slice(0, 80));
    return this.detail(this.dataSource.manager, tenantId, id);
  }

  private async detail(manager: EntityManager, tenantId: string, id: string): Promise<RunDetail> {
    const [run] = await manager.query<RunRow[]>(
      `SELECT ${RUN_COLUMNS} FROM workflow_runs r WHERE r.tenant_id = $1 AND r.id = $2`,
      [tenantId, id],
    );
    if (!run) throw new RunNotFoundError(id);
    const tasks = await manager.query<TaskRow[]>(
      `SELECT ${TASK_COLUMNS} FROM workflow_tasks t WHERE t.run_id = $1`,
      [id],
    );
    return { run, tasks };
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
      return this.detail(tx.manager, tenantId, id);
    });
  }

  /** The run's history: its events and its tasks' events, oldest first. */
  async history(id: string, limit: number, cursor?: string): Promise<Page<DomainEvent>> {
    const tenantId = currentTenantId();
    await this.get(id);
    return this.events.history(tenantId, { type: 'workflow', id }, limit, cursor);
  }

  private async resolve(
    input: CreateRunDto,
  ): Promise<{ type: string; version: number | null; steps: StepSpec[] }> {
    const errors: FieldError[] = [];
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
      return { type: definition.key, version: definition.version, steps: definition.steps };
    }
    return { type: input.type!, version: null, steps: normaliseSteps(input.steps!) };
  }
}
