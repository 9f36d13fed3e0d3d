import { Injectable } from '@nestjs/common';
import { QuarantineService } from '../agents/quarantine.service';
import { PgNotifications } from '../database/pg-notifications';
import { Transaction } from '../database/unit-of-work';
import { ClaimWaits } from './claim-waits';
import { thompsonPick } from './thompson';
import { TASKS_CHANNEL, TaskRow, taskSignal } from './workflow-rows';

/** A reservation's end is announced this long after it, so the claims see it expired. */
const EXPIRY_MARGIN_MS = 25;

/**
 * Routing "outcome": as its tasks are queued, each is offered to one of the agents waiting for
 * work with its skill (healthy, not quarantined), drawn by Thompson sampling over their latest
 * outcomes for the skill (thompson.ts), without replacement within one batch. The task is
 * reserved for the winner for the tenant's reservationMs (`reserved_for` / `reserved_until`,
 * which the claim statement honours) and only the winner's waiting claim is woken; when the
 * reservation ends, every waiting claim of the skill is woken, so work is never stuck behind an
 * agent that went away. With no agent waiting, the task is queued as fifo would.
 *
 * Waiting agents come from `agent_claim_waits`, so every replica draws among the same ones; a
 * winner is no longer a candidate until it waits again. `reserved_for` stays on the task after
 * it is claimed, as the record of the draw. The
 * wake-up at the reservation's end is a timer of the replica that reserved: if it dies, the
 * other agents see the task at their next claim (their long-poll ends by then at the latest).
 * A task queued again for a retry is not drawn again: whoever claims first after its backoff.
 */
@Injectable()
export class OutcomeRouter {
  constructor(
    private readonly quarantines: QuarantineService,
    private readonly waits: ClaimWaits,
    private readonly notifications: PgNotifications,
  ) {}

  /** Reserves what it can of these queued tasks (one tenant's), and announces each. */
  async reserve(tx: Transaction, tenantId: string, tasks: TaskRow[]): Promise<void> {
    if (tasks.length === 0) return;
    const waiting = await this.waits.waiting(tx, tenantId);
    const bySkill = new Map<string, TaskRow[]>();
    for (const task of tasks) bySkill.set(task.skill, [...(bySkill.get(task.skill) ?? []), task]);
    const reserved: Array<{ task: TaskRow; agentId: string }> = [];
    for (const [skill, ofSkill] of bySkill) {
      const candidates = await this.quarantines.candidates(tx, tenantId, skill, waiting);
      for (const task of ofSkill) {
        const winner = thompsonPick(candidates);
        if (!winner) break;
        candidates.splice(candidates.indexOf(winner), 1);
        reserved.push({ task, agentId: winner.id });
      }
    }
    const reservedIds = new Set(reserved.map(({ task }) => task.id));
    const open = new Set(tasks.filter((t) => !reservedIds.has(t.id)).map((t) => t.skill));
    for (const skill of open)
      this.notifications.notifyAfterCommit(tx, TASKS_CHANNEL, taskSignal(tenantId, skill));
    if (reserved.length === 0) return;
    await this.waits.offered(
      tx,
      tenantId,
      reserved.map(({ agentId }) => agentId),
    );
    const ms = await this.quarantines.reservationMs(tx, tenantId);
    await tx.manager.query(
      `UPDATE workflow_tasks t
          SET reserved_for = r.agent_id, reserved_until = now() + make_interval(secs => $3 / 1000.0)
         FROM unnest($1::uuid[], $2::varchar[]) AS r(id, agent_id)
        WHERE t.id = r.id`,
      [reserved.map(({ task }) => task.id), reserved.map(({ agentId }) => agentId), ms],
    );
    for (const { task, agentId } of reserved) {
      this.notifications.notifyAfterCommit(
        tx,
        TASKS_CHANNEL,
        `${taskSignal(tenantId, task.skill)}\n${agentId}`,
      );
    }
    const skills = new Set(reserved.map(({ task }) => task.skill));
    tx.afterCommit(() => {
      setTimeout(() => {
        for (const skill of skills)
          this.notifications.signal(TASKS_CHANNEL, taskSignal(tenantId, skill));
      }, ms + EXPIRY_MARGIN_MS).unref();
    });
  }
}
