import { Batcher, Settled, settled } from './batcher';

const tick = () => new Promise((done) => setImmediate(done));

/** A batcher whose batches stay open until released, recording what each one held. */
function gated(options: { maxBatch: number; concurrency: number }) {
  const batches: number[][] = [];
  const releases: Array<() => void> = [];
  const batcher = new Batcher<number, number>({
    ...options,
    run: async (items) => {
      batches.push(items);
      await new Promise<void>((done) => releases.push(done));
      return items.map((item): Settled<number> => ({ ok: true, value: item * 10 }));
    },
  });
  return { batcher, batches, releaseAll: () => releases.splice(0).forEach((done) => done()) };
}

describe('Batcher', () => {
  it('sends an item at once while a slot is free, and batches the ones that arrive meanwhile', async () => {
    const { batcher, batches, releaseAll } = gated({ maxBatch: 100, concurrency: 2 });
    const answers = [1, 2, 3, 4, 5].map((item) => batcher.submit(item));
    await tick();
    expect(batches).toEqual([[1], [2]]);
    expect(batcher.inFlight).toBe(2);
    releaseAll();
    await tick();
    expect(batches).toEqual([[1], [2], [3, 4, 5]]);
    releaseAll();
    expect(await Promise.all(answers)).toEqual([10, 20, 30, 40, 50]);
    expect(batcher.inFlight).toBe(0);
  });

  it('never puts more than maxBatch items in one batch', async () => {
    const { batcher, batches, releaseAll } = gated({ maxBatch: 2, concurrency: 1 });
    const answers = [1, 2, 3, 4, 5, 6].map((item) => batcher.submit(item));
    for (let round = 0; round < 4; round += 1) {
      await tick();
      releaseAll();
    }
    expect(await Promise.all(answers)).toEqual([10, 20, 30, 40, 50, 60]);
    expect(batches).toEqual([[1], [2, 3], [4, 5], [6]]);
  });

  it('answers each item with its own outcome, and fails a whole batch only when run throws', async () => {
    let calls = 0;
    const batcher = new Batcher<number, number>({
      maxBatch: 10,
      concurrency: 1,
      run: async (items) => {
        calls += 1;
        if (calls === 2) throw new Error('database gone');
        return items.map((item) =>
          item % 2 === 0
            ? { ok: true, value: item }
            : { ok: false, error: new Error(`odd ${item}`) },
        );
      },
    });
    const first = [batcher.submit(1), batcher.submit(2), batcher.submit(3)];
    expect(await Promise.allSettled(first)).toEqual([
      { status: 'rejected', reason: new Error('odd 1') },
      { status: 'rejected', reason: new Error('database gone') },
      { status: 'rejected', reason: new Error('database gone') },
    ]);
    // The batcher goes on after a failed batch.
    expect(await batcher.submit(4)).toBe(4);
  });

  it('retryAlone: after a failed batch, each item goes again on its own', async () => {
    const runs: number[][] = [];
    const batcher = new Batcher<number, number>({
      maxBatch: 10,
      concurrency: 1,
      retryAlone: true,
      run: async (items) => {
        runs.push(items);
        if (items.includes(3)) throw new Error(`cannot do ${items.join(',')}`);
        return items.map((item) => ({ ok: true, value: item * 10 }));
      },
    });
    const answers = [1, 2, 3, 4].map((item) => batcher.submit(item));
    expect(await Promise.allSettled(answers)).toEqual([
      { status: 'fulfilled', value: 10 },
      { status: 'fulfilled', value: 20 },
      { status: 'rejected', reason: new Error('cannot do 3') },
      { status: 'fulfilled', value: 40 },
    ]);
    expect(runs).toEqual([[1], [2, 3, 4], [2], [3], [4]]);
  });

  it('retryAlone: the retries of a failed batch stay within the concurrency limit', async () => {
    let active = 0;
    let peak = 0;
    const runs: number[][] = [];
    const batcher = new Batcher<number, number>({
      maxBatch: 100,
      concurrency: 2,
      retryAlone: true,
      run: async (items) => {
        active += 1;
        peak = Math.max(peak, active);
        runs.push(items);
        try {
          await tick();
          if (items.length > 1) throw new Error('the batch failed');
          return items.map((item) => ({ ok: true, value: item * 10 }));
        } finally {
          active -= 1;
        }
      },
    });
    const items = Array.from({ length: 12 }, (_, index) => index + 1);
    const answers = items.map((item) => batcher.submit(item));
    expect(await Promise.all(answers)).toEqual(items.map((item) => item * 10));
    expect(peak).toBe(2);
    // Two alone at once, then the ten that queued meanwhile together, then each of them again.
    expect(runs).toEqual([[1], [2], items.slice(2), ...items.slice(2).map((item) => [item])]);
    expect(batcher.inFlight).toBe(0);
  });

  it('settled: a value or the error, never a rejection', async () => {
    expect(await settled(Promise.resolve(1))).toEqual({ ok: true, value: 1 });
    const error = new Error('no');
    expect(await settled(Promise.reject(error))).toEqual({ ok: false, error });
  });
});
