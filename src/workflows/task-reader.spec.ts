import type { DomainEvent } from '../events/domain-event';
import { attemptsOf } from './task-reader';

const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second));
const event = (type: string, second: number, data: Record<string, unknown>): DomainEvent => ({
  id: `${type}-${second}`,
  position: String(second),
  tenantId: 'default',
  type,
  occurredAt: at(second),
  subject: { type: 'workflow', id: 'run' },
  data,
  correlationId: null,
});

describe('attemptsOf', () => {
  it('one entry per attempt: who claimed it, how it ended, its error', () => {
    const attempts = attemptsOf([
      event('task.queued', 0, { attempt: 1 }),
      event('task.claimed', 1, { attempt: 1, agentId: 'a' }),
      event('task.failed', 2, {
        attempt: 1,
        agentId: 'a',
        durationMs: 900,
        error: { message: 'x' },
      }),
      event('task.retried', 2, { attempt: 1, nextAttempt: 2 }),
      event('task.claimed', 3, { attempt: 2, agentId: 'b' }),
    ]);
    expect(attempts).toEqual([
      {
        attempt: 1,
        status: 'failed',
        agentId: 'a',
        claimedAt: at(1).toISOString(),
        finishedAt: at(2).toISOString(),
        durationMs: 900,
        error: { message: 'x' },
      },
      {
        attempt: 2,
        status: 'claimed',
        agentId: 'b',
        claimedAt: at(3).toISOString(),
        finishedAt: null,
        durationMs: null,
        error: null,
      },
    ]);
  });

  it('a claim put back (its client hung up) leaves no attempt: the attempt is unspent', () => {
    expect(
      attemptsOf([
        event('task.queued', 0, { attempt: 1 }),
        event('task.claimed', 1, { attempt: 1, agentId: 'a' }),
        event('task.queued', 2, { attempt: 1 }),
      ]),
    ).toEqual([]);
    // Claimed again, by another agent: that claim is the attempt's.
    expect(
      attemptsOf([
        event('task.claimed', 1, { attempt: 1, agentId: 'a' }),
        event('task.queued', 2, { attempt: 1 }),
        event('task.claimed', 3, { attempt: 1, agentId: 'b' }),
        event('task.succeeded', 4, { attempt: 1, agentId: 'b', durationMs: 1000 }),
      ]),
    ).toEqual([
      expect.objectContaining({
        attempt: 1,
        status: 'succeeded',
        agentId: 'b',
        claimedAt: at(3).toISOString(),
      }),
    ]);
  });

  it('a task cancelled before any claim has one attempt, never claimed', () => {
    expect(attemptsOf([event('task.cancelled', 5, { attempt: 1, agentId: null })])).toEqual([
      expect.objectContaining({ attempt: 1, status: 'cancelled', claimedAt: null, agentId: null }),
    ]);
  });
});
