import { Store, storage as loggerStorage } from 'nestjs-pino/storage';
import pino from 'pino';
import { requestContext } from '../context/request-context';
import { WakeLoop } from './wake-loop';

const tick = () => new Promise((done) => setImmediate(done));

describe('WakeLoop', () => {
  it('runs one round at a time and one more for wakes during a round', async () => {
    let rounds = 0;
    let release: () => void = () => undefined;
    const loop = new WakeLoop({
      round: async () => {
        rounds += 1;
        await new Promise<void>((done) => (release = done));
        return false;
      },
      canRun: () => true,
      onFailure: () => undefined,
    });
    loop.wake();
    loop.wake();
    loop.wake();
    await tick();
    expect(rounds).toBe(1);
    release();
    await tick();
    expect(rounds).toBe(2);
    release();
    await loop.idle();
    expect(rounds).toBe(2);
  });

  it('goes round again while rounds report more, and stops when it may not run', async () => {
    let left = 3;
    let allowed = true;
    const loop = new WakeLoop({
      round: () => Promise.resolve(--left > 0),
      canRun: () => allowed,
      onFailure: () => undefined,
    });
    loop.wake();
    await loop.idle();
    expect(left).toBe(0);
    allowed = false;
    left = 5;
    loop.wake();
    await loop.idle();
    expect(left).toBe(5);
  });

  it('reports a failure once until a run succeeds', async () => {
    const failures: string[] = [];
    let fail = true;
    const loop = new WakeLoop({
      round: () => (fail ? Promise.reject(new Error('down')) : Promise.resolve(false)),
      canRun: () => true,
      onFailure: (error) => failures.push(error.message),
    });
    for (let i = 0; i < 3; i += 1) {
      loop.wake();
      await loop.idle();
    }
    expect(failures).toEqual(['down']);
    fail = false;
    loop.wake();
    await loop.idle();
    fail = true;
    loop.wake();
    await loop.idle();
    expect(failures).toEqual(['down', 'down']);
  });

  it('runs its rounds outside the request that woke it (its context and its logger)', async () => {
    const seen: unknown[] = [];
    const loop = new WakeLoop({
      round: async () => {
        seen.push(requestContext.get()?.correlationId, loggerStorage.getStore());
        return false;
      },
      canRun: () => true,
      onFailure: () => undefined,
    });
    const logger = pino({ enabled: false }).child({ correlationId: 'woke-it' });
    requestContext.run({ correlationId: 'woke-it' }, () =>
      loggerStorage.run(new Store(logger), () => loop.wake()),
    );
    await loop.idle();
    expect(seen).toEqual([undefined, undefined]);
  });

  it('reports a failure outside the request that woke it too', async () => {
    const seen: unknown[] = [];
    const loop = new WakeLoop({
      round: () => Promise.reject(new Error('round failed')),
      canRun: () => true,
      onFailure: () => seen.push(requestContext.get()?.correlationId, loggerStorage.getStore()),
    });
    const logger = pino({ enabled: false }).child({ correlationId: 'woke-it' });
    requestContext.run({ correlationId: 'woke-it' }, () =>
      loggerStorage.run(new Store(logger), () => loop.wake()),
    );
    await loop.idle();
    expect(seen).toEqual([undefined, undefined]);
  });
});
