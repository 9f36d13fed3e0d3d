import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { AppConfig } from '../config/config';
import { InjectConfig } from '../config/config.module';
import { sqlState } from '../database/database-errors';
import { Transaction, UnitOfWork } from '../database/unit-of-work';
import { EventsService } from '../events/events.service';
import { WakeLoop } from '../common/workers/wake-loop';
import { ShutdownState } from '../health/shutdown-state';
import { RunsService } from '../workflows/runs.service';
import { nextFireTime } from './cron';
import { SCHEDULE_COLUMNS, ScheduleRow } from './schedule-rows';

const TICK_EVERY_MS = 1_000;
/**
 * How long a due schedule's tick waits for the row lock of a change to it (a PATCH, a pause,
 * another replica firing it) before this round passes it over.
 */
const LOCK_WAIT = '1s';
const BATCH = 50;

type Outcome = { outcome: 'started'; runId: string } | { outcome: 'skipped'; reason: string };

/**
 * Fires due schedule ticks and starts delayed runs whose time came. Leader-free: every replica
 * with WORKERS=on runs it. A due schedule is taken under its row lock with SKIP LOCKED and its
 * tick is claimed by inserting (schedule, tick) into `schedule_ticks`: of any number of
 * replicas, exactly one starts that tick's run (the run's trigger key names the tick as well).
 * The next tick is computed from now, so ticks missed while every replica was down fire once,
 * on recovery. A due schedule is taken under its row lock, waiting up to LOCK_WAIT for a change
 * holding it: passed over (SKIP LOCKED), a schedule changed in a loop never fired, and each
 * tick that fired late left out those between. Another replica firing it holds the lock too:
 * once it commits, the schedule is no longer due, and the waiter moves on.
 */
@Injectable()
export class ScheduleRunner implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ScheduleRunner.name);
  private timer: NodeJS.Timeout | undefined;
  /** One round at a time, none while shutting down; a failure is logged once until a round succeeds. */
  private readonly loop = new WakeLoop({
    round: async () => {
      await this.fireDue();
      while ((await this.runs.activateDue(BATCH)) === BATCH && !this.shutdown.isShuttingDown);
      return false;
    },
    canRun: () => !this.shutdown.isShuttingDown,
    onFailure: (error) => this.logger.warn(`Schedules failed: ${error.message}`),
  });

  constructor(
    private readonly dataSource: DataSource,
    private readonly unitOfWork: UnitOfWork,
    private readonly runs: RunsService,
    private readonly audit: AuditService,
    private readonly events: EventsService,
    private readonly shutdown: ShutdownState,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.workers) return;
    this.timer = setInterval(() => this.loop.wake(), TICK_EVERY_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.loop.idle();
  }

  /** Fires every due schedule, each in its own transaction; returns how many ticks fired. */
  async fireDue(): Promise<number> {
    let fired = 0;
    for (;;) {
      const due = await this.dataSource.query<Array<{ id: string }>>(
        `SELECT id FROM schedules WHERE enabled AND next_fire_at <= now()
          ORDER BY next_fire_at LIMIT $1`,
        [BATCH],
      );
      let progressed = 0;
      for (const { id } of due) {
        if (this.shutdown.isShuttingDown) return fired;
        if (await this.fireHeld(id)) progressed += 1;
      }
      fired += progressed;
      if (due.length < BATCH || progressed === 0) return fired;
    }
  }

  /** `fire` in a transaction of its own; false when held past LOCK_WAIT (the next round tries). */
  private async fireHeld(id: string): Promise<boolean> {
    try {
      return await this.unitOfWork.run((tx) => this.fire(tx, id));
    } catch (error) {
      if (sqlState(error) === '55P03') return false;
      throw error;
    }
  }

  /** One schedule's due tick, under its lock; false when another replica has it or fired it. */
  private async fire(tx: Transaction, id: string): Promise<boolean> {
    await tx.manager.query(`SET LOCAL lock_timeout = '${LOCK_WAIT}'`);
    // Read again once the lock is had (READ COMMITTED): fired meanwhile, it is due no longer.
    const [schedule] = await tx.manager.query<Array<ScheduleRow & { now: Date }>>(
      `SELECT ${SCHEDULE_COLUMNS}, now() AS now FROM schedules s
        WHERE s.id = $1 AND s.enabled AND s.next_fire_at <= now()
          FOR UPDATE`,
      [id],
    );
    if (!schedule) return false;
    const tickAt = new Date(schedule.nextFireAt!);
    const now = new Date(schedule.now);
    const next = nextFireTime(schedule.cron, schedule.timezone, now);
    const claimed = await tx.manager.query<unknown[]>(
      `INSERT INTO schedule_ticks (schedule_id, tick_at, outcome) VALUES ($1, $2, 'skipped')
       ON CONFLICT DO NOTHING RETURNING tick_at`,
      [schedule.id, tickAt],
    );
    if (claimed.length === 0) {
      // Already fired (its next tick was set back by hand): only move on.
      await this.advance(tx, schedule, next, null);
      return false;
    }
    const result = await this.startTick(tx, schedule, tickAt);
    if (result.outcome === 'started') {
      await tx.manager.query(
        `UPDATE schedule_ticks SET outcome = 'started', run_id = $3
          WHERE schedule_id = $1 AND tick_at = $2`,
        [schedule.id, tickAt, result.runId],
      );
    }
    await this.advance(tx, schedule, next, result.outcome === 'started' ? result.runId : null);
    const data = {
      key: schedule.key,
      definitionKey: schedule.definitionKey,
      tickAt: tickAt.toISOString(),
      firedAt: now.toISOString(),
      outcome: result.outcome,
      workflowId: result.outcome === 'started' ? result.runId : null,
      ...(result.outcome === 'skipped' ? { reason: result.reason } : {}),
      nextFireAt: next?.toISOString() ?? null,
    };
    await this.audit.record(tx, {
      action: 'schedule.fire',
      resource: { type: 'schedule', id: schedule.key },
      after: data,
      tenantId: schedule.tenantId,
    });
    // A tick that started a run is part of that run's history; a skipped one, the schedule's.
    await this.events.emit(tx, {
      type: 'schedule.fired',
      subject:
        result.outcome === 'started'
          ? { type: 'workflow', id: result.runId }
          : { type: 'schedule', id: schedule.key },
      tenantId: schedule.tenantId,
      data,
    });
    return true;
  }

  /** Applies the overlap policy and starts the tick's run. */
  private async startTick(tx: Transaction, schedule: ScheduleRow, tickAt: Date): Promise<Outcome> {
    const previous = schedule.lastRunId;
    if (previous && schedule.overlap === 'skip') {
      if (await this.runs.isLive(tx, schedule.tenantId, previous)) {
        return { outcome: 'skipped', reason: 'previous_run_active' };
      }
    } else if (previous && schedule.overlap === 'cancel-previous') {
      await this.runs.cancelIfLive(tx, schedule.tenantId, previous);
    }
    const run = await this.runs.startScheduled(tx, {
      tenantId: schedule.tenantId,
      definitionKey: schedule.definitionKey,
      input: schedule.input,
      triggerKey: `schedule:${schedule.id}:${tickAt.toISOString()}`,
    });
    return run
      ? { outcome: 'started', runId: run.id }
      : { outcome: 'skipped', reason: 'definition_not_found' };
  }

  private async advance(
    tx: Transaction,
    schedule: ScheduleRow,
    next: Date | null,
    runId: string | null,
  ): Promise<void> {
    await tx.manager.query(
      `UPDATE schedules SET next_fire_at = $2, last_fired_at = now(),
              last_run_id = coalesce($3, last_run_id)
        WHERE id = $1`,
      [schedule.id, next, runId],
    );
  }
}
