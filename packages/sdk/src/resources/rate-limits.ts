import { segment, type CallOptions, type Transport } from '../http';
import type { CreateRateLimit, Page, QueryOf, RateLimit, UpdateRateLimit } from '../types';
import { listAll, listPage } from './list';

type Signal = Pick<CallOptions, 'signal'>;

/** Rate limits shared by the fleet (token buckets) that steps name with `rateLimit`. */
export class RateLimitsResource {
  constructor(private readonly http: Transport) {}

  /** Creates the bucket, full; it refills at `perMinute` up to `burst`. */
  create(body: CreateRateLimit, options: Signal = {}): Promise<RateLimit> {
    return this.http.data('POST', '/rate-limits', { body, idempotencyKey: true, ...options });
  }

  list(
    query: QueryOf<'RateLimitsController_list'> = {},
    options: Signal = {},
  ): Promise<Page<RateLimit>> {
    return listPage(this.http, '/rate-limits', 'rateLimits', query, options);
  }

  /** Every rate limit, page after page. */
  iterate(query: QueryOf<'RateLimitsController_list'> = {}): AsyncGenerator<RateLimit> {
    return listAll(this.http, '/rate-limits', 'rateLimits', query);
  }

  /** The rate limit with the tokens it holds now. */
  get(key: string, options: Signal = {}): Promise<RateLimit> {
    return this.http.data('GET', `/rate-limits/${segment(key)}`, options);
  }

  /** A new rate or burst, from now on. */
  update(key: string, body: UpdateRateLimit, options: Signal = {}): Promise<RateLimit> {
    return this.http.data('PATCH', `/rate-limits/${segment(key)}`, { body, ...options });
  }

  /** Removes it; tasks of steps still naming it stay queued until it exists again. */
  async delete(key: string, options: Signal = {}): Promise<void> {
    await this.http.json('DELETE', `/rate-limits/${segment(key)}`, options);
  }
}
