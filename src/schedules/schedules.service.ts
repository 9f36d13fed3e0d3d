import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { currentTenantId } from '../common/context/request-context';
import { uuidv7 } from '../common/ids';
import { decodeCursor, Page, toPage } from '../common/pagination';
import { Transaction, UnitOfWork } from '../database/unit-of-work';
import { EventsService } from '../events/events.service';
import { DefinitionsService } from '../workflows/definitions.service';
import { SLUG_PATTERN } from '../workflows/dto/definition.dto';
import { canonicalCron, canonicalZone, cronProblem, nextFireTime, sameZone } from './cron';
import { CreateScheduleDto, UpdateScheduleDto } from './dto/schedule.dto';
import { SCHEDULE_COLUMNS, ScheduleRow } from './schedule-rows';
import {
  InvalidScheduleError,
  ScheduleExistsError,
  ScheduleExhaustedError,
  ScheduleNotFoundError,
} from './schedules.errors';

type ScheduleChange = 'create' | 'update' | 'delete' | 'pause' | 'resume';

const EVENT_OF: Record<ScheduleChange, string> = {
  create: 'schedule.created',
  update: 'schedule.updated',
  delete: 'schedule.deleted',
  pause: 'schedule.paused',
  resume: 'schedule.resumed',
};

/** Cron schedules of a tenant: what the schedule runner fires. Every change is audited. */
@Injectable()
export class SchedulesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: AuditService,
    private readonly events: EventsService,
    private readonly definitions: DefinitionsService,
  ) {}

  async create(input: CreateScheduleDto): Promise<ScheduleRow> {
    const tenantId = currentTenantId();
    const cron = canonicalCron(input.cron);
    const timezone = canonicalZone(input.timezone ?? 'UTC');
    this.check(cron, timezone);
    await this.definitions.get(input.definitionKey);
    const enabled = input.enabled ?? true;
    return this.unitOfWork.run(async (tx) => {
      const [created] = await tx.manager.query<ScheduleRow[]>(
        `INSERT INTO schedules AS s (id, tenant_id, key, definition_key, cron, timezone, input,
                overlap, enabled, next_fire_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10)
         ON CONFLICT (tenant_id, key) DO NOTHING
         RETURNING ${SCHEDULE_COLUMNS}`,
        [
          uuidv7(),
          tenantId,
          input.key,
          input.definitionKey,
          cron,
          timezone,
          input.input === undefined ? null : JSON.stringify(input.input),
          input.overlap ?? 'skip',
          enabled,
          enabled ? nextFireTime(cron, timezone, new Date()) : null,
        ],
      );
      if (!created) throw new ScheduleExistsError(input.key);
      await this.changed(tx, 'create', null, created);
      return created;
    });
  }

  async list(limit: number, cursor?: string): Promise<Page<ScheduleRow>> {
    const tenantId = currentTenantId();
    const after = decodeCursor(cursor, [SLUG_PATTERN]);
    const rows = await this.dataSource.query<ScheduleRow[]>(
      `SELECT ${SCHEDULE_COLUMNS} FROM schedules s
        WHERE s.tenant_id = $1 AND ($2::varchar IS NULL OR s.key > $2)
        ORDER BY s.key LIMIT $3`,
      [tenantId, after ? after[0] : null, limit + 1],
    );
    return toPage(rows, limit, (schedule) => [schedule.key]);
  }

  async get(key: string): Promise<ScheduleRow> {
    const tenantId = currentTenantId();
    if (!SLUG_PATTERN.test(key)) throw new ScheduleNotFoundError(key.slice(0, 80));
    const [row] = await this.dataSource.query<ScheduleRow[]>(
      `SELECT ${SCHEDULE_COLUMNS} FROM schedules s WHERE s.tenant_id = $1 AND s.key = $2`,
      [tenantId, key],
    );
    if (!row) throw new ScheduleNotFoundError(key);
    return row;
  }

  /**
   * Changes what is given. A new cron, zone or a re-enable sets the next tick from now (ticks
   * passed while paused are not fired); other changes keep it.
   */
  async update(key: string, input: UpdateScheduleDto): Promise<ScheduleRow> {
    await this.get(key);
    if (input.definitionKey !== undefined) await this.definitions.get(input.definitionKey);
    return this.locked(key, async (tx, before) => {
      const cron = input.cron === undefined ? before.cron : canonicalCron(input.cron);
      const timezone =
        input.timezone === undefined ? before.timezone : canonicalZone(input.timezone);
      // The same expression or zone written otherwise keeps the tick due.
      const newTimes = cron !== canonicalCron(before.cron) || !sameZone(timezone, before.timezone);
      // A stored expression that has run out is not the request's fault unless it changes it.
      if (newTimes) this.check(cron, timezone);
      const enabled = input.enabled ?? before.enabled;
      const retime = newTimes || (enabled && !before.enabled);
      const next = !enabled
        ? null
        : retime
          ? nextFireTime(cron, timezone, new Date())
          : before.nextFireAt;
      if (enabled && !before.enabled && next === null) throw new ScheduleExhaustedError(key);
      const after = await this.write(tx, before.id, {
        definitionKey: input.definitionKey ?? before.definitionKey,
        cron,
        timezone,
        input: input.input === undefined ? before.input : input.input,
        overlap: input.overlap ?? before.overlap,
        enabled,
        nextFireAt: next,
      });
      await this.changed(tx, 'update', before, after);
      return after;
    });
  }

  async delete(key: string): Promise<void> {
    await this.get(key);
    await this.locked(key, async (tx, before) => {
      await tx.manager.query(`DELETE FROM schedules WHERE id = $1`, [before.id]);
      await this.changed(tx, 'delete', before, null);
    });
  }

  /** No tick fires until resumed; pausing a paused schedule changes nothing. */
  async pause(key: string): Promise<ScheduleRow> {
    return this.setEnabled(key, false);
  }

  /** Ticks fire again from the next one after now (those passed while paused do not). */
  async resume(key: string): Promise<ScheduleRow> {
    return this.setEnabled(key, true);
  }

  private async setEnabled(key: string, enabled: boolean): Promise<ScheduleRow> {
    await this.get(key);
    return this.locked(key, async (tx, before) => {
      if (before.enabled === enabled) return before;
      const nextFireAt = enabled ? nextFireTime(before.cron, before.timezone, new Date()) : null;
      if (enabled && nextFireAt === null) throw new ScheduleExhaustedError(key);
      const after = await this.write(tx, before.id, { ...before, enabled, nextFireAt });
      await this.changed(tx, enabled ? 'resume' : 'pause', before, after);
      return after;
    });
  }

  private check(cron: string, timezone: string): void {
    const problem = cronProblem(cron, timezone);
    if (problem) throw new InvalidScheduleError(problem.field, problem.message);
  }

  /** The schedule locked (the runner firing it waits, or is waited for). */
  private async locked<T>(
    key: string,
    work: (tx: Transaction, schedule: ScheduleRow) => Promise<T>,
  ): Promise<T> {
    const tenantId = currentTenantId();
    return this.unitOfWork.run(async (tx) => {
      const [row] = await tx.manager.query<ScheduleRow[]>(
        `SELECT ${SCHEDULE_COLUMNS} FROM schedules s WHERE s.tenant_id = $1 AND s.key = $2
            FOR UPDATE`,
        [tenantId, key],
      );
      if (!row) throw new ScheduleNotFoundError(key);
      return work(tx, row);
    });
  }

  private async write(
    tx: Transaction,
    id: string,
    values: Pick<
      ScheduleRow,
      'definitionKey' | 'cron' | 'timezone' | 'input' | 'overlap' | 'enabled' | 'nextFireAt'
    >,
  ): Promise<ScheduleRow> {
    const [rows] = await tx.manager.query<[ScheduleRow[], number]>(
      `UPDATE schedules s SET definition_key = $2, cron = $3, timezone = $4, input = $5::jsonb,
              overlap = $6, enabled = $7, next_fire_at = $8, updated_at = now()
        WHERE s.id = $1 RETURNING ${SCHEDULE_COLUMNS}`,
      [
        id,
        values.definitionKey,
        values.cron,
        values.timezone,
        values.input === null ? null : JSON.stringify(values.input),
        values.overlap,
        values.enabled,
        values.nextFireAt,
      ],
    );
    return rows[0];
  }

  private async changed(
    tx: Transaction,
    change: ScheduleChange,
    before: ScheduleRow | null,
    after: ScheduleRow | null,
  ): Promise<void> {
    const subject = (after ?? before)!;
    const state = (row: ScheduleRow | null) =>
      row === null
        ? undefined
        : {
            definitionKey: row.definitionKey,
            cron: row.cron,
            timezone: row.timezone,
            overlap: row.overlap,
            enabled: row.enabled,
          };
    await this.audit.record(tx, {
      action: `schedule.${change}`,
      resource: { type: 'schedule', id: subject.key },
      before: state(before),
      after: state(after),
    });
    await this.events.emit(tx, {
      type: EVENT_OF[change],
      subject: { type: 'schedule', id: subject.key },
      data: { key: subject.key, ...state(after ?? before) },
    });
  }
}
