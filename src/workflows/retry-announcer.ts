import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { PgNotifications } from '../database/pg-notifications';
import { Transaction } from '../database/unit-of-work';
import { TASKS_CHANNEL, taskSignal } from './workflow-rows';

/**
 * Wakes the claims waiting for a retried task when its backoff ends, counted from the commit
 * that queued it: the task is claimable `delaySeconds` after its transaction began, so never
 * later than this. The reaper's scan of due retries cannot see a retry whose transaction
 * commits after the scan passed its due time; this does. (A crash before the timer fires
 * leaves the task to that scan and to the waits' own ends.)
 */
@Injectable()
export class RetryAnnouncer implements OnModuleDestroy {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly notifications: PgNotifications) {}

  /** Once `tx` has committed, signals the task's skill after `delaySeconds` (at once for 0). */
  announce(tx: Transaction, tenantId: string, skill: string, delaySeconds: number): void {
    const payload = taskSignal(tenantId, skill);
    if (delaySeconds <= 0) {
      this.notifications.notifyAfterCommit(tx, TASKS_CHANNEL, payload);
      return;
    }
    tx.afterCommit(() => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.notifications.signal(TASKS_CHANNEL, payload);
      }, delaySeconds * 1000);
      timer.unref();
      this.timers.add(timer);
    });
  }

  onModuleDestroy(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
