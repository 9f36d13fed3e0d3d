import { Principal, PrincipalCache } from './api-key-cache';

const principal = (keyId: string): Principal => ({
  keyId,
  tenantId: 'default',
  scopes: ['agents:read'],
  agentId: null,
  expiresAt: null,
});

/** A database read the test finishes when it chooses, as a slow replica or pool would. */
function pendingRead<T>() {
  let finish!: (value: T) => void;
  const read = new Promise<T>((resolve) => (finish = resolve));
  return { load: () => read, finish };
}

describe('PrincipalCache', () => {
  let cache: PrincipalCache;

  beforeEach(() => {
    cache = new PrincipalCache();
  });

  it('keeps what a load found, so the next request needs no read', async () => {
    await expect(cache.resolve('h1', () => Promise.resolve(principal('k1')))).resolves.toEqual(
      principal('k1'),
    );
    expect(cache.get('h1')).toEqual(principal('k1'));
  });

  it('does not keep a load that began before its key was evicted (a revoke committed meanwhile)', async () => {
    const read = pendingRead<Principal | null>();
    const resolving = cache.resolve('h1', read.load);
    cache.evictKey('k1');
    read.finish(principal('k1'));
    await resolving;
    expect(cache.get('h1')).toBeUndefined();
  });

  it('keeps a load that began after the eviction', async () => {
    cache.evictKey('k1');
    await cache.resolve('h1', () => Promise.resolve(principal('k1')));
    expect(cache.get('h1')).toEqual(principal('k1'));
  });

  it('keeps a load when only another key was evicted meanwhile', async () => {
    const read = pendingRead<Principal | null>();
    const resolving = cache.resolve('h1', read.load);
    cache.evictKey('k2');
    read.finish(principal('k1'));
    await resolving;
    expect(cache.get('h1')).toEqual(principal('k1'));
  });

  it('keeps nothing that began before the whole cache was cleared (notifications were missed)', async () => {
    const found = pendingRead<Principal | null>();
    const missing = pendingRead<Principal | null>();
    const resolving = [cache.resolve('h1', found.load), cache.resolve('h2', missing.load)];
    cache.clear();
    found.finish(principal('k1'));
    missing.finish(null);
    await Promise.all(resolving);
    expect([cache.get('h1'), cache.get('h2')]).toEqual([undefined, undefined]);
  });

  it('still refuses a stale load after pruning many evictions of other keys', async () => {
    const read = pendingRead<Principal | null>();
    const resolving = cache.resolve('h1', read.load);
    cache.evictKey('k1');
    for (let i = 0; i < 10_050; i += 1) cache.evictKey(`other-${i}`);
    read.finish(principal('k1'));
    await resolving;
    expect(cache.get('h1')).toBeUndefined();
    await cache.resolve('h1', () => Promise.resolve(principal('k1')));
    expect(cache.get('h1')).toEqual(principal('k1'));
  });

  it('judges each of several overlapping loads by its own start', async () => {
    const early = pendingRead<Principal | null>();
    const resolvingEarly = cache.resolve('h1', early.load);
    cache.evictKey('k1');
    const late = pendingRead<Principal | null>();
    const resolvingLate = cache.resolve('h2', late.load);
    late.finish(principal('k1'));
    early.finish(principal('k1'));
    await Promise.all([resolvingEarly, resolvingLate]);
    expect([cache.get('h1'), cache.get('h2')]).toEqual([undefined, principal('k1')]);
  });

  describe('keys in use (what a blocked address may still present)', () => {
    afterEach(() => jest.useRealTimers());

    it('remembers a key by its last successful use, past the entry it was cached in', async () => {
      jest.useFakeTimers({ now: 1_000_000 });
      await cache.resolve('h1', () => Promise.resolve(principal('k1')));
      // In steady use: 50 s later still served from the entry it was loaded into.
      jest.advanceTimersByTime(50_000);
      expect(cache.get('h1')).toEqual(principal('k1'));
      // Past the entry's 60 s it is read again, but it was used 20 s ago: in use.
      jest.advanceTimersByTime(20_000);
      expect(cache.get('h1')).toBeUndefined();
      expect(cache.inUse('h1')).toBe(true);
      // Long unused, it is not.
      jest.advanceTimersByTime(11 * 60_000);
      expect(cache.inUse('h1')).toBe(false);
    });

    it('never counts a key no load found', async () => {
      await cache.resolve('h2', () => Promise.resolve(null));
      expect(cache.get('h2')).toBeNull();
      expect(cache.inUse('h2')).toBe(false);
      expect(cache.inUse('never-seen')).toBe(false);
    });
  });
});
