import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { PgNotifications } from '../database/pg-notifications';
import { TASKS_CHANNEL } from './workflow-rows';

interface Waiter {
  tenantId: string;
  /** The agent claiming, when known: a signal for one agent (outcome routing) wakes only it. */
  agentId: string | null;
  /** null: any skill of the tenant. */
  skills: ReadonlySet<string> | null;
  woken: WakeReason | undefined;
  /** The skills of the work signals heard so far; null once one said "everyone look". */
  heard: Set<string> | null;
  wake(reason: WakeReason, skill?: string): void;
}

/** What a waiting claim is told when it wakes. */
export type WakeReason = 'work' | 'timeout' | 'closed';

/**
 * Long-poll claims waiting for work. A committed transaction that queues a task NOTIFYs
 * `tenant\nskill` (`tenant\nskill\nagent`: a task reserved for that agent; `tenant\n\nagent`:
 * that agent may take more than before, see agentSignal); the one LISTEN connection of this
 * replica wakes the waiters of that tenant with that skill, which then try to claim again (one
 * of them wins each task; the others wait on). A waiter registers before it looks for work, so
 * a notification between its empty claim and its wait is not lost. On shutdown every waiter
 * ends at once.
 */
@Injectable()
export class TaskWaiters implements OnModuleInit, OnModuleDestroy {
  private readonly waiters = new Set<Waiter>();
  private closed = false;

  constructor(private readonly notifications: PgNotifications) {}

  onModuleInit(): void {
    this.notifications.subscribe(TASKS_CHANNEL, (payload) => {
      const [tenantId, skill, agentId] = payload.split('\n');
      for (const waiter of this.waiters) {
        if (waiter.tenantId !== tenantId) continue;
        if (agentId !== undefined && waiter.agentId !== agentId) continue;
        // An agent's own signal (agentSignal, no skill): it looks again whatever it waits for.
        if (skill === '') waiter.wake('work');
        else if (waiter.skills === null || waiter.skills.has(skill)) waiter.wake('work', skill);
      }
    });
    // Notifications may have been missed while the connection was down: everyone looks again.
    this.notifications.onReconnect(() => {
      for (const waiter of this.waiters) waiter.wake('work');
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get count(): number {
    return this.waiters.size;
  }

  /**
   * Registers interest now, in these skills or (null) in any of the tenant's; `until(deadline)`
   * then resolves on a matching notification (even one that arrived since registering), at the
   * deadline, on abort, or on shutdown. `narrow(skills)` keeps only these skills, forgetting a
   * wake-up heard meanwhile for none of them.
   */
  register(tenantId: string, skills: readonly string[] | null, agentId: string | null = null) {
    let resolve: ((reason: WakeReason) => void) | undefined;
    const waiter: Waiter = {
      tenantId,
      agentId,
      skills: skills && new Set(skills),
      woken: undefined,
      heard: new Set(),
      wake: (reason, skill) => {
        if (skill === undefined) waiter.heard = null;
        else waiter.heard?.add(skill);
        waiter.woken ??= reason;
        resolve?.(reason);
      },
    };
    this.waiters.add(waiter);
    const dispose = () => this.waiters.delete(waiter);
    const narrow = (only: readonly string[]) => {
      const kept = new Set(only);
      waiter.skills = kept;
      const heard = waiter.heard;
      if (waiter.woken === 'work' && heard && ![...heard].some((skill) => kept.has(skill))) {
        waiter.woken = undefined;
        heard.clear();
      }
    };
    const until = (deadline: number, signal?: AbortSignal): Promise<WakeReason> => {
      if (this.closed || signal?.aborted) return Promise.resolve('closed');
      if (waiter.woken) return Promise.resolve(waiter.woken);
      return new Promise<WakeReason>((done) => {
        const timer = setTimeout(() => finish('timeout'), Math.max(0, deadline - Date.now()));
        const onAbort = () => finish('closed');
        const finish = (reason: WakeReason) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve = undefined;
          done(reason);
        };
        resolve = finish;
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    };
    return { until, dispose, narrow };
  }

  /** Ends every wait (the claims answer an empty list) before the HTTP server drains. */
  onModuleDestroy(): void {
    this.closed = true;
    for (const waiter of this.waiters) waiter.wake('closed');
  }
}
