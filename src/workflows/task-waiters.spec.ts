import type { PgNotifications } from '../database/pg-notifications';
import { TaskWaiters } from './task-waiters';
import { agentSignal, TASKS_CHANNEL, taskSignal } from './workflow-rows';

/** Waiters on a notification hub reduced to the tasks channel and the reconnect hook. */
function setup() {
  let signal: (payload: string) => void = () => undefined;
  let reconnect: () => void = () => undefined;
  const notifications = {
    subscribe: (channel: string, handler: (payload: string) => void) => {
      if (channel === TASKS_CHANNEL) signal = handler;
    },
    onReconnect: (handler: () => void) => (reconnect = handler),
  } as unknown as PgNotifications;
  const waiters = new TaskWaiters(notifications);
  waiters.onModuleInit();
  return {
    waiters,
    queued: (tenantId: string, skill: string) => signal(taskSignal(tenantId, skill)),
    toAgent: (tenantId: string, agentId: string) => signal(agentSignal(tenantId, agentId)),
    reconnected: () => reconnect(),
  };
}

const soon = () => Date.now() + 50;

describe('TaskWaiters', () => {
  it('a waiter for any skill hears every skill of its tenant, and no other tenant', async () => {
    const { waiters, queued } = setup();
    const waiter = waiters.register('t1', null);
    queued('t2', 'echo');
    const waiting = waiter.until(Date.now() + 5_000);
    queued('t1', 'anything');
    expect(await waiting).toBe('work');
    waiter.dispose();
  });

  it('narrowing forgets a wake-up heard for none of the kept skills', async () => {
    const { waiters, queued } = setup();
    const waiter = waiters.register('t1', null);
    queued('t1', 'ask'); // while the claim runs: not this agent's skill, it turns out
    waiter.narrow(['echo']);
    expect(await waiter.until(soon())).toBe('timeout');
    queued('t1', 'ask');
    expect(await waiter.until(soon())).toBe('timeout');
    const waiting = waiter.until(Date.now() + 5_000);
    queued('t1', 'echo');
    expect(await waiting).toBe('work');
    waiter.dispose();
  });

  it('narrowing keeps a wake-up heard for a kept skill, and one from a reconnect', async () => {
    const { waiters, queued, reconnected } = setup();
    const first = waiters.register('t1', null);
    queued('t1', 'ask');
    queued('t1', 'echo');
    first.narrow(['echo']);
    expect(await first.until(Date.now() + 5_000)).toBe('work');
    first.dispose();

    const second = waiters.register('t1', null);
    reconnected();
    second.narrow(['echo']);
    expect(await second.until(Date.now() + 5_000)).toBe('work');
    second.dispose();
  });

  it("an agent's own signal wakes its waiters whatever skills they kept, and no one else's", async () => {
    const { waiters, toAgent } = setup();
    // Quarantined from every skill it has: it waits for none.
    const waiter = waiters.register('t1', null, 'a1');
    waiter.narrow([]);
    const other = waiters.register('t1', null, 'a2');
    other.narrow(['echo']);
    toAgent('t2', 'a1');
    expect(await waiter.until(soon())).toBe('timeout');
    toAgent('t1', 'a1');
    expect(await waiter.until(soon())).toBe('work');
    expect(await other.until(soon())).toBe('timeout');
    waiter.dispose();
    other.dispose();
  });

  it('a disposed waiter hears nothing, and shutdown ends every wait', async () => {
    const { waiters, queued } = setup();
    const gone = waiters.register('t1', ['echo']);
    gone.dispose();
    queued('t1', 'echo');
    expect(await gone.until(soon())).toBe('timeout');
    const waiter = waiters.register('t1', ['echo']);
    const waiting = waiter.until(Date.now() + 5_000);
    waiters.onModuleDestroy();
    expect(await waiting).toBe('closed');
    expect(waiters.count).toBe(1);
    waiter.dispose();
    expect(waiters.count).toBe(0);
  });
});
