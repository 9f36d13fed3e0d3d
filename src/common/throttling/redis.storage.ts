import { Logger, OnModuleDestroy } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import Redis from 'ioredis';
import { Gauge } from 'prom-client';
import { registered } from '../../metrics/registered';
import { FixedWindowStorage } from './fixed-window.storage';

type StorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** How long a command may take before this request is counted in memory instead. */
const COMMAND_TIMEOUT_MS = 250;
/** After a failed or timed-out command, Redis is left alone this long (memory counts). */
const RETRY_AFTER_MS = 5_000;

/**
 * FixedWindowStorage's count, in Redis, in one script: a window of `ttl` ms from a key's first
 * hit; past `limit`, blocked for `blockDuration` ms (0: until the window ends); a blocked
 * client's requests are not counted, so once both window and block are over it starts afresh.
 * KEYS: hits, block. ARGV: ttl, limit, blockDuration. Answers hits, ms to the window's end,
 * blocked (1/0), ms to the block's end.
 */
const INCREMENT_SCRIPT = `
local blockTtl = redis.call('PTTL', KEYS[2])
if blockTtl > 0 then
  local hits = tonumber(redis.call('GET', KEYS[1]) or '0')
  return {hits, math.max(redis.call('PTTL', KEYS[1]), 0), 1, blockTtl}
end
local hits = redis.call('INCR', KEYS[1])
local windowTtl = redis.call('PTTL', KEYS[1])
if windowTtl < 0 then
  windowTtl = tonumber(ARGV[1])
  redis.call('PEXPIRE', KEYS[1], windowTtl)
end
if hits > tonumber(ARGV[2]) then
  local block = tonumber(ARGV[3])
  if block <= 0 then block = windowTtl end
  redis.call('SET', KEYS[2], '1', 'PX', block)
  return {hits, windowTtl, 1, block}
end
return {hits, windowTtl, 0, 0}`;

/** 1 while this replica counts its rate limits in Redis, 0 while in its own memory. */
const shared = registered(
  'rate_limit_shared',
  () =>
    new Gauge({
      name: 'rate_limit_shared',
      help: 'With REDIS_URL: 1 while this replica counts rate limits in Redis (one budget for every replica), 0 while it counts them in its own memory (Redis unreachable or slow)',
    }),
);

interface WithIncrement {
  rateLimitIncrement(
    hitsKey: string,
    blockKey: string,
    ttl: number,
    limit: number,
    blockDuration: number,
  ): Promise<[number, number, number, number]>;
}

/**
 * Counters shared by every replica through Redis, with the same fixed-window rule as this
 * replica's memory (`INCREMENT_SCRIPT`). While Redis is unreachable, or slower than
 * COMMAND_TIMEOUT_MS, the limits fall back to this replica's memory instead of failing
 * requests, holding them, or letting everything through; Redis is tried again after
 * RETRY_AFTER_MS. Both the fall-back and the return are logged once.
 */
export class RedisBackedStorage implements ThrottlerStorage, OnModuleDestroy {
  private readonly logger = new Logger('RateLimit');
  private readonly redis: Redis;
  private readonly fallback = new FixedWindowStorage();
  /** Counting in memory since a failure, until a command succeeds again. */
  private degraded = false;
  private skipUntil = 0;

  constructor(url: string) {
    this.redis = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      commandTimeout: COMMAND_TIMEOUT_MS,
      lazyConnect: false,
    });
    shared.set(0);
    this.redis.on('error', (error: Error) => this.degrade(error));
    this.redis.on('ready', () => {
      if (!this.degraded) shared.set(1);
    });
    this.redis.defineCommand('rateLimitIncrement', { numberOfKeys: 2, lua: INCREMENT_SCRIPT });
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<StorageRecord> {
    if (this.redis.status === 'ready' && Date.now() >= this.skipUntil) {
      try {
        // Hash-tagged, so that both keys live on one node of a cluster.
        const [hits, windowMs, blocked, blockMs] = await (
          this.redis as unknown as WithIncrement
        ).rateLimitIncrement(
          `{${key}:${throttlerName}}:hits`,
          `{${key}:${throttlerName}}:blocked`,
          ttl,
          limit,
          blockDuration,
        );
        this.recovered();
        const isBlocked = blocked === 1;
        return {
          totalHits: hits,
          timeToExpire: Math.ceil(windowMs / 1000),
          isBlocked,
          timeToBlockExpire: isBlocked ? Math.max(1, Math.ceil(blockMs / 1000)) : 0,
        };
      } catch (error) {
        this.skipUntil = Date.now() + RETRY_AFTER_MS;
        this.degrade(error as Error);
      }
    }
    return this.fallback.increment(key, ttl, limit, blockDuration, throttlerName);
  }

  private degrade(error: Error): void {
    shared.set(0);
    if (this.degraded) return;
    this.degraded = true;
    this.logger.warn(
      `Redis unavailable (${error.message}); rate limits are per replica until it returns`,
    );
  }

  private recovered(): void {
    if (!this.degraded) return;
    this.degraded = false;
    shared.set(1);
    this.logger.log('Redis answers again; rate limits are shared by the replicas again');
  }

  onModuleDestroy(): void {
    this.fallback.onModuleDestroy();
    this.redis.disconnect(false);
  }
}
