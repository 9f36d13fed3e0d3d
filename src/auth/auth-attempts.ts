import { Inject, Injectable } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import { anonymousLimitKey } from '../common/throttling/rate-limit.guard';
import type { AppConfig } from '../config/config';
import { InjectConfig } from '../config/config.module';

/** Failed authentications allowed per client address and minute before it is blocked. */
export const AUTH_FAILURES_PER_MINUTE = 30;
const WINDOW_MS = 60_000;
const MAX_REMEMBERED_BLOCKS = 100_000;

/**
 * Per-address budgets of the requests that never reach a key's own rate limit: requests
 * without credentials (the global limit, per address, counted with the anonymous requests to
 * public routes) and failed authentications. Counters live in the throttler storage (Redis
 * when configured); the blocks it reports are also remembered here, so a blocked address is
 * refused before any database lookup.
 */
@Injectable()
export class AuthAttempts {
  private readonly blockedUntil = new Map<string, number>();
  private readonly anonymousLimit: number;

  constructor(
    @Inject(ThrottlerStorage) private readonly storage: ThrottlerStorage,
    @InjectConfig() config: AppConfig,
  ) {
    this.anonymousLimit = config.rateLimitPerMinute;
  }

  /** Counts a request without credentials; the seconds to wait when over the limit, else 0. */
  async anonymous(address: string): Promise<number> {
    const record = await this.storage.increment(
      anonymousLimitKey(address),
      WINDOW_MS,
      this.anonymousLimit,
      WINDOW_MS,
      'default',
    );
    return record.isBlocked ? record.timeToBlockExpire : 0;
  }

  /** Counts a failed authentication; the seconds the address is blocked for, else 0. */
  async failed(address: string): Promise<number> {
    const record = await this.storage.increment(
      `auth-failures:${address}`,
      WINDOW_MS,
      AUTH_FAILURES_PER_MINUTE,
      WINDOW_MS,
      'auth-failures',
    );
    if (!record.isBlocked) return 0;
    this.remember(address, Date.now() + record.timeToBlockExpire * 1000);
    return record.timeToBlockExpire;
  }

  /** Seconds the address is still blocked for after too many failures; 0 when it is not. */
  blockedFor(address: string): number {
    const until = this.blockedUntil.get(address);
    if (until === undefined) return 0;
    const left = until - Date.now();
    if (left > 0) return Math.ceil(left / 1000);
    this.blockedUntil.delete(address);
    return 0;
  }

  private remember(address: string, until: number): void {
    if (this.blockedUntil.size >= MAX_REMEMBERED_BLOCKS) {
      const now = Date.now();
      for (const [known, knownUntil] of this.blockedUntil) {
        if (knownUntil <= now) this.blockedUntil.delete(known);
      }
      // Still full: forget the oldest; the shared counter blocks it again on its next failure.
      const oldest = this.blockedUntil.keys().next();
      if (this.blockedUntil.size >= MAX_REMEMBERED_BLOCKS && !oldest.done) {
        this.blockedUntil.delete(oldest.value);
      }
    }
    this.blockedUntil.set(address, until);
  }
}
