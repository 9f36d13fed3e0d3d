import { retryTransaction } from './retry-transaction';

/** Fails with each error in turn, then answers 'done'; counts its runs. */
function failing(...errors: Error[]) {
  const work = async () => {
    work.runs += 1;
    const error = errors.shift();
    if (error) throw error;
    return 'done';
  };
  work.runs = 0;
  return work;
}

describe('retryTransaction', () => {
  const delays: number[] = [];
  const options = {
    attempts: 4,
    baseDelayMs: 10,
    sleep: (ms: number) => (delays.push(ms), Promise.resolve()),
    random: () => 0.5,
  };

  beforeEach(() => (delays.length = 0));

  it('runs the work again after a deadlock or a serialization failure, pausing longer each time', async () => {
    const deadlock = Object.assign(new Error('deadlock detected'), { code: '40P01' });
    // TypeORM wraps the driver's error: the SQLSTATE is on driverError.
    const serialization = Object.assign(new Error('could not serialize'), {
      driverError: { code: '40001' },
    });
    const work = failing(deadlock, serialization);
    await expect(retryTransaction(work, options)).resolves.toBe('done');
    expect(work.runs).toBe(3);
    expect(delays).toEqual([10, 20]);
  });

  it('gives the last error back after the attempts', async () => {
    const deadlock = Object.assign(new Error('deadlock detected'), { code: '40P01' });
    const work = failing(deadlock, deadlock, deadlock, deadlock, deadlock);
    await expect(retryTransaction(work, options)).rejects.toBe(deadlock);
    expect(work.runs).toBe(4);
  });

  it.each([
    ['a unique violation', Object.assign(new Error('duplicate key'), { code: '23505' })],
    ['a lock timeout', Object.assign(new Error('lock timeout'), { code: '55P03' })],
    ['a lost connection', new Error('Connection terminated unexpectedly')],
    ['a plain error', new Error('boom')],
  ])('does not run the work again after %s', async (_name, error) => {
    const work = failing(error);
    await expect(retryTransaction(work, options)).rejects.toBe(error);
    expect(work.runs).toBe(1);
  });
});
