import { randomUUID } from 'node:crypto';
import { createConnection, createServer, Server, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { register } from 'prom-client';
import { FixedWindowStorage } from './fixed-window.storage';
import { RedisBackedStorage } from './redis.storage';

const REDIS_URL = process.env.REDIS_URL;
const describeRedis = REDIS_URL ? describe : describe.skip;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A TCP proxy in front of Redis that can stop answering (a hung or very slow Redis). */
async function proxyTo(url: string): Promise<{ url: string; hang(): void; close(): void }> {
  const target = new URL(url);
  const sockets: Socket[] = [];
  let hung = false;
  const server: Server = createServer((client) => {
    const upstream = createConnection(Number(target.port || 6379), target.hostname);
    sockets.push(client, upstream);
    client.on('data', (chunk) => {
      if (!hung) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String((server.address() as AddressInfo).port);
  return {
    url: proxied.toString(),
    hang: () => (hung = true),
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

/** `rate_limit_shared` as /metrics shows it. */
async function sharedGauge(): Promise<number | undefined> {
  const metric = register.getSingleMetric('rate_limit_shared');
  return (await metric?.get())?.values[0]?.value;
}

/** Until the storage's connection is ready (its first commands would go to memory before). */
async function ready(storage: RedisBackedStorage): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
    if ((storage as unknown as { redis: { status: string } }).redis.status === 'ready') return;
    await sleep(20);
  }
  throw new Error('Redis did not become ready');
}

describeRedis('RedisBackedStorage (against Redis)', () => {
  const storages: RedisBackedStorage[] = [];
  const open = async (url = REDIS_URL!) => {
    const storage = new RedisBackedStorage(url);
    storages.push(storage);
    await ready(storage);
    return storage;
  };
  let warnings: string[];

  beforeEach(() => {
    warnings = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => {
      warnings.push(String(message));
    });
  });

  afterEach(() => {
    jest.restoreAllMocks();
    for (const storage of storages.splice(0)) storage.onModuleDestroy();
  });

  it('blocks past the limit until the window ends when given no block duration, in Redis for every replica', async () => {
    const [a, b] = [await open(), await open()];
    const key = `inbound:${randomUUID()}`;
    // Two replicas, alternating: the third delivery of the window is the first refused.
    expect((await a.increment(key, 60_000, 2, 0, 'inbound')).isBlocked).toBe(false);
    expect((await b.increment(key, 60_000, 2, 0, 'inbound')).isBlocked).toBe(false);
    const refused = await a.increment(key, 60_000, 2, 0, 'inbound');
    expect(refused).toMatchObject({ isBlocked: true, totalHits: 3 });
    expect(refused.timeToBlockExpire).toBeGreaterThan(55);
    expect(refused.timeToBlockExpire).toBeLessThanOrEqual(60);
    expect((await b.increment(key, 60_000, 2, 0, 'inbound')).isBlocked).toBe(true);
    expect(warnings).toEqual([]);
  });

  it('counts no request while blocked: once window and block are over, the client starts afresh (as in memory)', async () => {
    const redis = await open();
    const memory = new FixedWindowStorage();
    const key = `default:${randomUUID()}`;
    try {
      // A window of 400 ms, a block of 600 ms from the third request; requests keep coming
      // while blocked, past the window's end.
      const schedule = [0, 0, 0, 450, 500, 550, 700];
      const answers: Array<[boolean, boolean]> = [];
      const started = Date.now();
      for (const at of schedule) {
        await sleep(Math.max(0, started + at - Date.now()));
        const [shared, local] = await Promise.all([
          redis.increment(key, 400, 2, 600, 'default'),
          memory.increment(key, 400, 2, 600, 'default'),
        ]);
        answers.push([shared.isBlocked, local.isBlocked]);
      }
      expect(answers.map(([shared]) => shared)).toEqual(answers.map(([, local]) => local));
      expect(answers.at(-1)).toEqual([false, false]);
    } finally {
      memory.onModuleDestroy();
    }
  });

  it('answers from memory, at once, while Redis does not answer; says so once', async () => {
    const proxy = await proxyTo(REDIS_URL!);
    try {
      const storage = await open(proxy.url);
      const key = `default:${randomUUID()}`;
      expect((await storage.increment(key, 60_000, 5, 0, 'default')).totalHits).toBe(1);
      expect(await sharedGauge()).toBe(1);
      proxy.hang();
      const started = Date.now();
      for (let i = 0; i < 5; i += 1) {
        const answer = await storage.increment(key, 60_000, 5, 0, 'default');
        expect(answer.isBlocked).toBe(false);
      }
      // The first waits for the command's time-out; the others do not wait for Redis at all.
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/per replica/);
      // What an operator sees: this replica counts in its own memory.
      expect(await sharedGauge()).toBe(0);
    } finally {
      proxy.close();
    }
  });
});
