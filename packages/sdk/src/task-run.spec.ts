import { renewalTimes } from './task-run';

describe('renewalTimes', () => {
  const now = Date.parse('2026-06-01T12:00:00.000Z');
  const expiresIn = (ms: number) => new Date(now + ms).toISOString();

  it('renews at a third of the lease', () => {
    expect(renewalTimes({ leaseExpiresAt: expiresIn(30_000), leaseSeconds: 30 }, now)).toEqual({
      firstMs: 10_000,
      everyMs: 10_000,
    });
  });

  it("times renewals by the service's lease, not by a clock that is behind", () => {
    // The agent's clock is a minute behind the service's: the lease looks 90 s long. Renewing
    // every 30 s would lose it each time.
    expect(renewalTimes({ leaseExpiresAt: expiresIn(90_000), leaseSeconds: 30 }, now)).toEqual({
      firstMs: 10_000,
      everyMs: 10_000,
    });
  });

  it('renews a lease with less left sooner the first time only', () => {
    // A claim answered again later (its lease runs from the first answer), or a clock 29 s
    // ahead: the first renewal comes early, and then the lease is whole again.
    expect(renewalTimes({ leaseExpiresAt: expiresIn(6_000), leaseSeconds: 30 }, now)).toEqual({
      firstMs: 2_000,
      everyMs: 10_000,
    });
    expect(renewalTimes({ leaseExpiresAt: expiresIn(1_000), leaseSeconds: 30 }, now)).toEqual({
      firstMs: 333,
      everyMs: 10_000,
    });
  });

  it('takes nothing left right after a claim for a clock far ahead, not for a storm of beats', () => {
    expect(renewalTimes({ leaseExpiresAt: expiresIn(-20_000), leaseSeconds: 30 }, now)).toEqual({
      firstMs: 10_000,
      everyMs: 10_000,
    });
  });

  it('without leaseSeconds (an older service) takes 30 s for the lease', () => {
    expect(renewalTimes({ leaseExpiresAt: expiresIn(60_000) }, now)).toEqual({
      firstMs: 10_000,
      everyMs: 10_000,
    });
    expect(renewalTimes({ leaseExpiresAt: expiresIn(12_000) }, now).firstMs).toBe(4_000);
    expect(renewalTimes({ leaseExpiresAt: 'not a date' }, now).firstMs).toBe(10_000);
  });

  it('never renews more often than every 300 ms', () => {
    expect(renewalTimes({ leaseExpiresAt: expiresIn(600), leaseSeconds: 1 }, now)).toEqual({
      firstMs: 300,
      everyMs: 333,
    });
  });
});
