import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/config';
import { InjectConfig } from '../config/config.module';
import { PgNotifications } from '../database/pg-notifications';
import { Transaction, UnitOfWork } from '../database/unit-of-work';
import { ShutdownState } from '../health/shutdown-state';
import { WorkflowEngine } from './engine';
import { isTerminalRun } from './state-machine';
import { WaitsService } from './waits.service';
import { TASK_COLUMNS, TASKS_CHANNEL, TaskRow, taskSignal } from './workflow-rows';

const REAP_EVERY_MS = 500;
const BATCH = 100;

type Release = 'lease_expired' | 'step_timeout' | 'agent_gone';

/** An agent that went offline or deregistered at `goneAt`, and the context to release in. */
export interface GoneAgent {
  tenantId: string;
  agentId: string;
  goneAt: Date;
  within<T>(work: () => Promise<T>): Promise<T>;
}

/**
 * Moves work on when its holder does not: claimed tasks whose lease expired or whose step
 * timeout passed time out (and are queued again, or fail the run); and queued retries whose
 * backoff just ended are announced to waiting agents (a backstop: each retry is announced from
 * its own commit, see `RetryAnnouncer`). Every replica with WORKERS=on reaps: each
 * task is taken under its run's row lock with SKIP LOCKED, so two reapers never take the same.
 */
@Injectable()
export class LeaseReaper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(LeaseReaper.name);
  private timer: NodeJS.Timeout | undefined;
  /** Set for the next waiting step due before the next tick, so a sleep ends on time. */
  private dueTimer: NodeJS.Timeout | undefined;
  private running = false;
  private failing = false;
  private lastDueCheck: Date | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly unitOfWork: UnitOfWork,
    private readonly engine: WorkflowEngine,
    private readonly notifications: PgNotifications,
    private readonly waits: WaitsService,
    private readonly shutdown: ShutdownState,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.workers) return;
    this.timer = setInterval(() => void this.tick(), REAP_EVERY_MS);
    this.timer.unref();
  }

  async tick(): Promise<void> {
    if (this.running || this.shutdown.isShuttingDown) return;
    this.running = true;
    try {
      // Each part on its own: one that fails (a task it cannot end) holds no other back.
      let failure: Error | undefined;
      const parts = [
        () => this.reapExpired(),
        () => this.announceDueRetries(),
        // Sleeps that ended, waits and approvals that timed out (durable rows, one loop for all).
        () => this.waits.wakeDue(() => this.shutdown.isShuttingDown),
        () => this.armForNextDue(),
      ];
      for (const part of parts) await part().catch((error: Error) => (failure ??= error));
      if (failure !== undefined) throw failure;
      this.failing = false;
    } catch (error) {
      if (!this.failing) this.logger.warn(`Lease reaping failed: ${(error as Error).message}`);
      this.failing = true;
    } finally {
      this.running = false;
    }
  }

  /**
   * Ticks come every REAP_EVERY_MS; a sleep or timeout due in between would wait for the next
   * one (250 ms late on average). When the next waiting step falls due before that tick, a
   * one-off timer runs the tick at its time instead (read with the database's clock, as
   * `wake_at` is compared with it; the partial index on wake_at answers it from its first row).
   */
  private async armForNextDue(): Promise<void> {
    const [next] = await this.dataSource.query<Array<{ ms: number | null }>>(
      `SELECT extract(epoch FROM min(wake_at) - now()) * 1000 AS ms FROM workflow_tasks
        WHERE status = 'waiting' AND kind <> 'github'`,
    );
    if (next?.ms === null || next?.ms === undefined || this.shutdown.isShuttingDown) return;
    // Already due and still there after wakeDue: another replica holds it; the tick retries.
    const ms = Math.ceil(Number(next.ms));
    if (ms <= 0 || ms >= REAP_EVERY_MS) return;
    if (this.dueTimer) clearTimeout(this.dueTimer);
    this.dueTimer = setTimeout(() => {
      this.dueTimer = undefined;
      void this.tick();
    }, ms);
    this.dueTimer.unref();
  }

  /** Times out every claimed task past its lease or step deadline; returns how many. */
  async reapExpired(): Promise<number> {
    let reaped = 0;
    for (;;) {
      const due = await this.dataSource.query<
        Array<{ id: string; tenantId: string; runId: string }>
      >(
        `SELECT id, tenant_id AS "tenantId", run_id AS "runId" FROM workflow_tasks
          WHERE status = 'claimed' AND (lease_expires_at <= now() OR deadline_at <= now())
          ORDER BY lease_expires_at LIMIT $1`,
        [BATCH],
      );
      let progressed = 0;
      for (const task of due) {
        if (this.shutdown.isShuttingDown) return reaped;
        // One that cannot be ended (logged) is looked at again next round; the others go on.
        const done = await this.unitOfWork
          .run((tx) => this.release(tx, task.tenantId, task.runId, task.id, undefined, true))
          .catch((error: Error) => {
            this.logger.warn({ taskId: task.id, err: error.message }, 'Reaping a task failed');
            return false;
          });
        if (done) progressed += 1;
      }
      reaped += progressed;
      if (due.length < BATCH || progressed === 0) return reaped;
    }
  }

  /**
   * Agents went offline or deregistered: their claimed tasks time out now, not at expiry. Each
   * agent's tasks are those it held when it went (`goneAt`): a task it claimed after that (it
   * came back, or registered again under the same id) is its new work and stays. The tasks of
   * all the agents are released in one pass in run id order, the order every writer locks runs
   * in (a completion batch, another replica releasing), so none of them can deadlock with it.
   * Each release is written `within` its agent's context (the event that told of it). Answers
   * how many tasks each agent had released, in the order given.
   */
  async releaseAgents(tx: Transaction, agents: GoneAgent[]): Promise<number[]> {
    const held = await tx.manager.query<Array<{ id: string; runId: string; agent: number }>>(
      `SELECT t.id, t.run_id AS "runId", (g.agent - 1)::int AS agent
         FROM unnest($1::varchar[], $2::varchar[], $3::timestamptz[]) WITH ORDINALITY
              AS g(tenant_id, agent_id, gone_at, agent)
         JOIN workflow_tasks t ON t.tenant_id = g.tenant_id AND t.agent_id = g.agent_id
        WHERE t.status = 'claimed' AND t.claimed_at <= g.gone_at
        ORDER BY t.run_id, t.id`,
      [
        agents.map((agent) => agent.tenantId),
        agents.map((agent) => agent.agentId),
        agents.map((agent) => agent.goneAt),
      ],
    );
    const released = agents.map(() => 0);
    for (const task of held) {
      const { tenantId, agentId, goneAt, within } = agents[task.agent];
      const gone = { agentId, goneAt };
      if (await within(() => this.release(tx, tenantId, task.runId, task.id, gone, false))) {
        released[task.agent] += 1;
      }
    }
    return released;
  }

  /**
   * The one release path: lock the run, re-check the task under its lock, time the attempt out.
   * `agentId` set: release whatever that agent holds; else only what is past its lease.
   */
  private async release(
    tx: Transaction,
    tenantId: string,
    runId: string,
    taskId: string,
    gone: { agentId: string; goneAt: Date } | undefined,
    skipLocked: boolean,
  ): Promise<boolean> {
    const agentId = gone?.agentId;
    const run = await this.engine.lockRun(tx, tenantId, runId, skipLocked);
    if (!run) return false;
    // A task left open in a finished run is ended with it, not timed out into it.
    if (isTerminalRun(run.status)) return (await this.engine.cancelLeftovers(tx, [run.id])) > 0;
    const [task] = await tx.manager.query<Array<TaskRow & { reason: Release }>>(
      `SELECT ${TASK_COLUMNS},
              CASE WHEN t.deadline_at <= now() THEN 'step_timeout' ELSE 'lease_expired' END AS reason
         FROM workflow_tasks t
        WHERE t.id = $1 AND t.status = 'claimed'
          AND ($2::varchar IS NULL AND (t.lease_expires_at <= now() OR t.deadline_at <= now())
               OR t.agent_id = $2 AND t.claimed_at <= $3)
        FOR UPDATE`,
      [taskId, agentId ?? null, gone?.goneAt ?? null],
    );
    if (!task) return false;
    const reason: Release = agentId ? 'agent_gone' : task.reason;
    await this.engine.failAttempt(
      tx,
      run,
      task,
      'timed_out',
      { message: MESSAGES[reason], code: reason },
      true,
      null,
    );
    return true;
  }

  /** Retries whose backoff ended since the last look: wake the agents waiting for them. */
  private async announceDueRetries(): Promise<void> {
    const [row] = await this.dataSource.query<
      Array<{ now: Date; due: Array<{ tenantId: string; skill: string }> }>
    >(
      `SELECT now() AS now, coalesce((
         SELECT json_agg(DISTINCT jsonb_build_object('tenantId', tenant_id, 'skill', skill))
           FROM workflow_tasks
          WHERE status = 'queued' AND available_at > $1::timestamptz AND available_at <= now()), '[]') AS due`,
      [this.lastDueCheck],
    );
    // Database time throughout: available_at was computed by the database too.
    this.lastDueCheck = new Date(row.now);
    if (row.due.length === 0) return;
    // Nothing to commit here: the tasks are already queued; only the waiters need telling.
    for (const due of row.due) {
      this.notifications.signal(TASKS_CHANNEL, taskSignal(due.tenantId, due.skill));
    }
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.dueTimer) clearTimeout(this.dueTimer);
  }
}

const MESSAGES: Record<Release, string> = {
  lease_expired: 'The lease expired without a heartbeat.',
  step_timeout: 'The step ran past its timeoutSeconds.',
  agent_gone: 'The agent holding the task went offline or deregistered.',
};
