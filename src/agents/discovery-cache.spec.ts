import type { Page } from '../common/pagination';
import type { AppConfig } from '../config/config';
import type { PgNotifications } from '../database/pg-notifications';
import { AGENTS_CHANNEL, DiscoveryCache } from './discovery-cache';

const TTL = 1_000;

/** A cache on a fake clock, with the notification hub reduced to the one channel it hears. */
function setup(ttl = TTL, random = 1) {
  let now = 1_000_000;
  jest.spyOn(Date, 'now').mockImplementation(() => now);
  jest.spyOn(Math, 'random').mockReturnValue(random);
  const handlers = new Map<string, (payload: string) => void>();
  const notifications = {
    subscribe: (channel: string, handler: (payload: string) => void) =>
      handlers.set(channel, handler),
    onReconnect: () => undefined,
  } as unknown as PgNotifications;
  const cache = new DiscoveryCache(notifications, { discoveryCacheMs: ttl } as AppConfig);
  cache.onModuleInit();
  let version = 0;
  const loads: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  /** A load that answers page "v<n>" when released, n counting loads started. */
  const load = () =>
    new Promise<Page<string>>((resolve, reject) => {
      const page = { items: [`v${++version}`], nextCursor: null };
      loads.push({ resolve: () => resolve(page), reject });
    });
  const settle = async () => {
    for (const pending of loads.splice(0)) pending.resolve();
    await new Promise((done) => setImmediate(done));
  };
  return {
    cache,
    load,
    loads,
    settle,
    advance: (ms: number) => (now += ms),
    notify: (tenantId: string) => handlers.get(AGENTS_CHANNEL)!(tenantId),
  };
}

const items = (page: Promise<Page<string>>) => page.then((p) => p.items[0]);

describe('DiscoveryCache', () => {
  afterEach(() => jest.restoreAllMocks());

  it('serves a page for its period, then the old page while one refresh runs', async () => {
    const { cache, load, loads, settle, advance } = setup();
    const first = items(cache.page('t', 'k', load));
    const concurrent = items(cache.page('t', 'k', load));
    expect(loads).toHaveLength(1); // concurrent misses share one query
    await settle();
    expect([await first, await concurrent]).toEqual(['v1', 'v1']);
    advance(TTL - 1);
    expect(await items(cache.page('t', 'k', load))).toBe('v1');
    expect(loads).toHaveLength(0);
    advance(1);
    expect(await items(cache.page('t', 'k', load))).toBe('v1');
    expect(await items(cache.page('t', 'k', load))).toBe('v1');
    expect(loads).toHaveLength(1); // one refresh in the background
    await settle();
    expect(await items(cache.page('t', 'k', load))).toBe('v2');
  });

  it('keeps a page fresh for the period less up to a quarter, at random', async () => {
    const { cache, load, loads, settle, advance } = setup(TTL, 0);
    const first = cache.page('t', 'k', load);
    await settle();
    await first;
    advance(0.75 * TTL - 1);
    expect(await items(cache.page('t', 'k', load))).toBe('v1');
    expect(loads).toHaveLength(0);
    advance(1);
    expect(await items(cache.page('t', 'k', load))).toBe('v1');
    expect(loads).toHaveLength(1); // stale at three quarters: refreshing
  });

  it('never serves a page twice its period old: the request waits for a fresh one', async () => {
    const { cache, load, loads, settle, advance } = setup();
    const first = cache.page('t', 'k', load);
    await settle();
    await first;
    advance(2 * TTL);
    const fresh = items(cache.page('t', 'k', load));
    expect(loads).toHaveLength(1);
    await settle();
    expect(await fresh).toBe('v2');
  });

  it('a registry change drops the tenant pages, and a query begun before it is not kept', async () => {
    const { cache, load, loads, settle, notify } = setup();
    const before = cache.page('t', 'k', load);
    notify('t'); // the change commits while the query runs
    await settle();
    expect((await before).items).toEqual(['v1']);
    const after = items(cache.page('t', 'k', load));
    expect(loads).toHaveLength(1);
    await settle();
    expect(await after).toBe('v2');
    // Another tenant's change leaves this one's page alone.
    notify('other');
    expect(await items(cache.page('t', 'k', load))).toBe('v2');
    expect(loads).toHaveLength(0);
    notify('t');
    const next = items(cache.page('t', 'k', load));
    await settle();
    expect(await next).toBe('v3');
  });

  it('a failed query is not kept: the next request asks again', async () => {
    const { cache, load, loads, settle } = setup();
    const failing = cache.page('t', 'k', load);
    loads.splice(0)[0].reject(new Error('database gone'));
    await expect(failing).rejects.toThrow('database gone');
    const retried = items(cache.page('t', 'k', load));
    expect(loads).toHaveLength(1);
    await settle();
    expect(await retried).toBe('v2');
  });

  it('is off at 0: every request queries', async () => {
    const { cache, load, loads, settle } = setup(0);
    const pages = [cache.page('t', 'k', load), cache.page('t', 'k', load)];
    expect(loads).toHaveLength(2);
    await settle();
    expect(await Promise.all(pages.map(items))).toEqual(['v1', 'v2']);
  });
});
