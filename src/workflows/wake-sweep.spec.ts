import { WakeSweep } from './wake-sweep';

/** Due runs as the database answers them: in due order, the first `limit` due steps' runs. */
function dueRuns(initial: string[]) {
  const due = [...initial];
  const limits: number[] = [];
  return {
    due,
    limits,
    read: (limit: number) => {
      limits.push(limit);
      return Promise.resolve(due.slice(0, limit));
    },
    /** A batch committed: its runs' steps are no longer due. */
    commit: (runs: string[]) => {
      for (const run of runs) due.splice(due.indexOf(run), 1);
    },
  };
}

const ids = (count: number, from = 0) =>
  Array.from({ length: count }, (_, index) => `run-${String(from + index).padStart(5, '0')}`);

describe('WakeSweep', () => {
  it('hands every due run out once, in batches in id order, and ends when a read is not full', async () => {
    const db = dueRuns(ids(10).reverse());
    const sweep = new WakeSweep(db.read, 3, 2);
    const batches: string[][] = [];
    for (let batch = await sweep.next(); batch; batch = await sweep.next()) {
      batches.push(batch);
      db.commit(batch);
      sweep.done(batch, 0);
    }
    expect(batches).toEqual([
      ['run-00007', 'run-00008', 'run-00009'],
      ['run-00004', 'run-00005', 'run-00006'],
      ['run-00001', 'run-00002', 'run-00003'],
      ['run-00000'],
    ]);
    // Full reads of batch * lanes, then one not full (4 of 6): the sweep ends without another.
    expect(db.limits).toEqual([6, 6]);
  });

  it('reads past the runs still in flight, so a lane is not handed one twice', async () => {
    const db = dueRuns(ids(8));
    const sweep = new WakeSweep(db.read, 2, 2);
    const first = (await sweep.next())!;
    const second = (await sweep.next())!;
    // `first` committed; `second` is still in flight when the queue runs dry: its runs are still
    // due for the next read, which asks for that many more rows and skips them.
    db.commit(first);
    sweep.done(first, 0);
    const third = (await sweep.next())!;
    expect(db.limits).toEqual([4, 6]);
    expect(third).toEqual(['run-00004', 'run-00005']);
    const handed = [first, second, third];
    db.commit(second);
    sweep.done(second, 0);
    db.commit(third);
    sweep.done(third, 0);
    for (let batch = await sweep.next(); batch; batch = await sweep.next()) {
      handed.push(batch);
      db.commit(batch);
      sweep.done(batch, 0);
    }
    expect(handed.flat().sort()).toEqual(ids(8));
  });

  it('ends when a read brings only runs it handed out already (held by another replica)', async () => {
    const db = dueRuns(ids(4));
    const sweep = new WakeSweep(db.read, 2, 2);
    const handed: string[][] = [];
    for (let batch = await sweep.next(); batch; batch = await sweep.next()) {
      handed.push(batch);
      // Every run skipped (SKIP LOCKED): still due, looked at again by the next sweep only.
      sweep.done(batch, batch.length);
    }
    expect(handed).toEqual([
      ['run-00000', 'run-00001'],
      ['run-00002', 'run-00003'],
    ]);
    expect(db.limits).toEqual([4, 8]);
  });

  it('lanes that find the queue empty together share one read', async () => {
    const db = dueRuns(ids(3));
    const sweep = new WakeSweep(db.read, 1, 3);
    const batches = await Promise.all([sweep.next(), sweep.next(), sweep.next()]);
    expect(batches).toEqual([['run-00000'], ['run-00001'], ['run-00002']]);
    expect(db.limits).toEqual([3]);
  });

  it('a failed read fails the lanes waiting for it and ends the sweep for the others', async () => {
    let reads = 0;
    const sweep = new WakeSweep(
      () => {
        reads += 1;
        return Promise.reject(new Error('connection lost'));
      },
      2,
      2,
    );
    await expect(sweep.next()).rejects.toThrow('connection lost');
    await expect(sweep.next()).resolves.toBeUndefined();
    expect(reads).toBe(1);
  });
});
