import { FixedWindowStorage } from './fixed-window.storage';

describe('FixedWindowStorage', () => {
  let storage: FixedWindowStorage;

  beforeEach(() => {
    jest.useFakeTimers({ now: 1_000_000 });
    storage = new FixedWindowStorage();
  });

  afterEach(() => {
    storage.onModuleDestroy();
    jest.useRealTimers();
  });

  it('counts hits in a window and blocks past the limit until the window ends', async () => {
    for (let i = 1; i <= 3; i += 1) {
      await expect(storage.increment('k', 60_000, 3, 0, 'default')).resolves.toMatchObject({
        totalHits: i,
        isBlocked: false,
      });
    }
    const blocked = await storage.increment('k', 60_000, 3, 0, 'default');
    expect(blocked.isBlocked).toBe(true);
    expect(blocked.timeToBlockExpire).toBe(60);
    jest.advanceTimersByTime(60_001);
    await expect(storage.increment('k', 60_000, 3, 0, 'default')).resolves.toMatchObject({
      totalHits: 1,
      isBlocked: false,
    });
  });

  it('keeps keys apart', async () => {
    await storage.increment('a', 60_000, 1, 0, 'default');
    await expect(storage.increment('b', 60_000, 1, 0, 'default')).resolves.toMatchObject({
      isBlocked: false,
    });
  });
});
