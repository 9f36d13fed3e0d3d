import { renewalInterval } from './task-run';

describe('renewalInterval', () => {
  const now = Date.parse('2026-06-01T12:00:00.000Z');
  const expiresIn = (ms: number) => new Date(now + ms).toISOString();

  it('renews at a third of the lease', () => {
    expect(renewalInterval({ leaseExpiresAt: expiresIn(30_000), leaseSeconds: 30 }, now)).toBe(
      10_000,
    );
  });

  it("times renewals by the service's lease, not by a clock that is behind", () => {
    // The agent's clock is a minute behind the service's: the lease looks 90 s long. Renewing
    // every 30 s would lose it each time.
    expect(renewalInterval({ leaseExpiresAt: expiresIn(90_000), leaseSeconds: 30 }, now)).toBe(
      10_000,
    );
  });

  it('renews a lease with less left sooner', () => {
    // A claim answered again later (its lease runs from the first answer), or a clock ahead.
    expect(renewalInterval({ leaseExpiresAt: expiresIn(6_000), leaseSeconds: 30 }, now)).toBe(
      2_000,
    );
  });

  it('takes nothing left right after a claim for a clock far ahead, not for a storm of beats', () => {
    expect(renewalInterval({ leaseExpiresAt: expiresIn(-20_000), leaseSeconds: 30 }, now)).toBe(
      10_000,
    );
  });

  it('falls back to leaseExpiresAt, then to 30 s, without leaseSeconds (an older service)', () => {
    expect(renewalInterval({ leaseExpiresAt: expiresIn(60_000) }, now)).toBe(10_000);
    expect(renewalInterval({ leaseExpiresAt: expiresIn(12_000) }, now)).toBe(4_000);
    expect(renewalInterval({ leaseExpiresAt: 'not a date' }, now)).toBe(10_000);
  });

  it('never renews more often than every 300 ms', () => {
    expect(renewalInterval({ leaseExpiresAt: expiresIn(600), leaseSeconds: 1 }, now)).toBe(300);
  });
});
