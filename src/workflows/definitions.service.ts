import { Injectable } from '@nestjs/common';
import { isDeepStrictEqual } from 'node:util';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { currentTenantId } from '../common/context/request-context';
import { decodeCursor, Page, toPage } from '../common/pagination';
import { PgNotifications } from '../database/pg-notifications';
import { Transaction, UnitOfWork } from '../database/unit-of-work';
import { EventsService } from '../events/events.service';
import { normaliseConcurrency } from './concurrency';
import { normaliseOnFinish, normaliseSteps, TriggerSpec } from './dag';
import { GithubCredentials } from '../github/github-credentials';
import { CreateDefinitionDto, SLUG_PATTERN, TriggerDto } from './dto/definition.dto';
import { WorkflowDefinition } from './entities/workflow-definition.entity';
import { TASKS_CHANNEL, taskSignal, updatedRows } from './workflow-rows';
import { DefinitionNotFoundError } from './workflows.errors';

/** A definition key's dispatch: paused since when, or running (`pausedAt` null). */
export interface DispatchState {
  key: string;
  paused: boolean;
  pausedAt: Date | null;
}

/** Versioned, immutable workflow definitions. */
@Injectable()
export class DefinitionsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: AuditService,
    private readonly events: EventsService,
    private readonly notifications: PgNotifications,
    private readonly github: GithubCredentials,
  ) {}

  /**
   * Stores the next version of `key`. The same content as the latest version again makes no
   * new version: that version is answered (`created: false`), so a retried POST is harmless.
   */
  async create(
    input: CreateDefinitionDto,
  ): Promise<{ definition: WorkflowDefinition; created: boolean }> {
    const tenantId = currentTenantId();
    const steps = normaliseSteps(input.steps, 'steps', input.routing);
    const onFinish = normaliseOnFinish(input.onFinish, steps);
    this.github.assertConfiguredFor([...steps, ...(onFinish ? [onFinish] : [])]);
    const triggers = normaliseTriggers(input.triggers ?? []);
    const name = input.name ?? null;
    const concurrency = input.concurrency ? normaliseConcurrency(input.concurrency) : null;
    return this.unitOfWork.run(async (tx) => {
      // Versions of one key are numbered one after another: serialise their creation.
      await tx.manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
        `workflow_definition:${tenantId}:${input.key}`,
      ]);
      const latest = await this.latest(tx.manager, tenantId, input.key);
      if (
        latest &&
        latest.name === name &&
        isDeepStrictEqual(latest.steps, steps) &&
        isDeepStrictEqual(latest.triggers, triggers) &&
        isDeepStrictEqual(latest.concurrency, concurrency) &&
        isDeepStrictEqual(latest.onFinish ?? null, onFinish)
      ) {
        return { definition: latest, created: false };
      }
      const definition = await tx.manager.getRepository(WorkflowDefinition).save({
        tenantId,
        key: input.key,
        version: (latest?.version ?? 0) + 1,
        name,
        steps,
        triggers,
        concurrency,
        onFinish,
      });
      const stored = (await this.latest(tx.manager, tenantId, input.key))!;
      const resource = {
        type: 'workflow_definition',
        id: `${definition.key}@${definition.version}`,
      };
      await this.audit.record(tx, {
        action: 'workflow_definition.create',
        resource,
        after: {
          key: stored.key,
          version: stored.version,
          name,
          steps,
          triggers,
          concurrency,
          onFinish,
        },
      });
      await this.events.emit(tx, {
        type: 'workflow_definition.created',
        subject: { type: 'workflow_definition', id: stored.key },
        data: { key: stored.key, version: stored.version },
      });
      return { definition: stored, created: true };
    });
  }

  /** The latest version, or the one asked for. */
  async get(key: string, version?: number): Promise<WorkflowDefinition> {
    const tenantId = currentTenantId();
    if (!SLUG_PATTERN.test(key)) throw new DefinitionNotFoundError(key.slice(0, 80), version);
    const found = await this.latest(this.dataSource.manager, tenantId, key, version);
    if (!found) throw new DefinitionNotFoundError(key, version);
    return found;
  }

  /** The latest version of every key, by key. */
  async list(limit: number, cursor?: string): Promise<Page<WorkflowDefinition>> {
    const tenantId = currentTenantId();
    const after = decodeCursor(cursor, [SLUG_PATTERN]);
    const rows = await this.dataSource.query<WorkflowDefinition[]>(
      `SELECT DISTINCT ON (d.key) ${DEFINITION_COLUMNS}
         FROM workflow_definitions d
        WHERE d.tenant_id = $1 AND ($2::varchar IS NULL OR d.key > $2)
        ORDER BY d.key, d.version DESC
        LIMIT $3`,
      [tenantId, after ? after[0] : null, limit + 1],
    );
    return toPage(rows, limit, (definition) => [definition.key]);
  }

  /**
   * Latest versions in a tenant with a trigger on this inbound source and event, and on the
   * delivery's `action` when the trigger names one.
   */
  async triggeredBy(
    manager: EntityManager,
    tenantId: string,
    source: string,
    event: string,
    action: string | undefined,
  ): Promise<WorkflowDefinition[]> {
    const definitions = await manager.query<WorkflowDefinition[]>(
      `SELECT * FROM (
         SELECT DISTINCT ON (d.key) d.key, d.version, d.steps, d.triggers, d.concurrency,
                d.on_finish AS "onFinish"
           FROM workflow_definitions d WHERE d.tenant_id = $1
          ORDER BY d.key, d.version DESC) latest
        WHERE latest.triggers @> $2::jsonb`,
      [tenantId, JSON.stringify([{ source, event }])],
    );
    return definitions.filter((definition) =>
      definition.triggers.some(
        (trigger) =>
          trigger.source === source &&
          trigger.event === event &&
          (trigger.action === undefined || trigger.action === action),
      ),
    );
  }

  /** The latest version of `key` in `tenantId`, read in the caller's transaction. */
  async latestOf(
    manager: EntityManager,
    tenantId: string,
    key: string,
  ): Promise<WorkflowDefinition | null> {
    return this.latest(manager, tenantId, key);
  }

  /** When the dispatch of `key` was paused; null while it is not. */
  async pausedAt(manager: EntityManager, tenantId: string, key: string): Promise<Date | null> {
    const [row] = await manager.query<Array<{ pausedAt: Date }>>(
      `SELECT paused_at AS "pausedAt" FROM workflow_definition_pauses
        WHERE tenant_id = $1 AND definition_key = $2`,
      [tenantId, key],
    );
    return row?.pausedAt ?? null;
  }

  /**
   * Pauses the dispatch of a definition's runs (every version, and inline runs of that type):
   * their queued tasks stay queued and are not claimed; claimed ones finish. Pausing a paused
   * key changes nothing (and writes nothing).
   */
  async pause(key: string): Promise<DispatchState> {
    const tenantId = currentTenantId();
    await this.get(key);
    return this.unitOfWork.run(async (tx) => {
      const [row] = await tx.manager.query<Array<{ pausedAt: Date }>>(
        `INSERT INTO workflow_definition_pauses (tenant_id, definition_key) VALUES ($1, $2)
         ON CONFLICT DO NOTHING RETURNING paused_at AS "pausedAt"`,
        [tenantId, key],
      );
      if (!row) {
        return { key, paused: true, pausedAt: await this.pausedAt(tx.manager, tenantId, key) };
      }
      await this.dispatchChanged(tx, key, 'pause', row.pausedAt);
      return { key, paused: true, pausedAt: row.pausedAt };
    });
  }

  /** Resumes a paused key: agents waiting for its skills are woken. Idempotent. */
  async resume(key: string): Promise<DispatchState> {
    const tenantId = currentTenantId();
    await this.get(key);
    return this.unitOfWork.run(async (tx) => {
      const [deleted] = updatedRows<{ pausedAt: Date }>(
        await tx.manager.query(
          `DELETE FROM workflow_definition_pauses WHERE tenant_id = $1 AND definition_key = $2
           RETURNING paused_at AS "pausedAt"`,
          [tenantId, key],
        ),
      );
      if (!deleted) return { key, paused: false, pausedAt: null };
      await this.dispatchChanged(tx, key, 'resume', deleted.pausedAt);
      const skills = await tx.manager.query<Array<{ skill: string }>>(
        `SELECT DISTINCT t.skill FROM workflow_runs r
           JOIN workflow_tasks t ON t.run_id = r.id AND t.status = 'queued'
          WHERE r.tenant_id = $1 AND r.type = $2 AND r.status IN ('pending', 'running')`,
        [tenantId, key],
      );
      for (const { skill } of skills)
        this.notifications.notifyAfterCommit(tx, TASKS_CHANNEL, taskSignal(tenantId, skill));
      return { key, paused: false, pausedAt: null };
    });
  }

  private async dispatchChanged(
    tx: Transaction,
    key: string,
    change: 'pause' | 'resume',
    pausedAt: Date,
  ): Promise<void> {
    const paused = change === 'pause';
    await this.audit.record(tx, {
      action: `workflow_definition.${change}`,
      resource: { type: 'workflow_definition', id: key },
      before: { paused: !paused },
      after: { paused },
    });
    await this.events.emit(tx, {
      type: paused ? 'workflow_definition.paused' : 'workflow_definition.resumed',
      subject: { type: 'workflow_definition', id: key },
      data: { key, pausedAt: new Date(pausedAt).toISOString() },
    });
  }

  /**
   * The latest version of `key` (or `version`), by the primary key. Written out rather than
   * the repository's findOne, whose query building and hydration made the look-up 7.7 % of a
   * run start's CPU (0.8 % written out).
   */
  private async latest(
    manager: EntityManager,
    tenantId: string,
    key: string,
    version?: number,
  ): Promise<WorkflowDefinition | null> {
    const [found] = await manager.query<WorkflowDefinition[]>(
      `SELECT ${DEFINITION_COLUMNS} FROM workflow_definitions d
        WHERE d.tenant_id = $1 AND d.key = $2 AND ($3::int IS NULL OR d.version = $3)
        ORDER BY d.version DESC
        LIMIT 1`,
      [tenantId, key, version ?? null],
    );
    return found ?? null;
  }
}

/** A definition row as the entity names its fields. */
const DEFINITION_COLUMNS = `d.tenant_id AS "tenantId", d.key, d.version, d.name, d.steps,
  d.triggers, d.concurrency, d.on_finish AS "onFinish", d.created_at AS "createdAt"`;

/** Triggers as stored (`action` only when given). */
function normaliseTriggers(input: TriggerDto[]): TriggerSpec[] {
  return input.map(({ source, event, action }) =>
    action === undefined || action === null ? { source, event } : { source, event, action },
  );
}
