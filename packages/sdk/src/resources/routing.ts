import type { CallOptions, Transport } from '../http';
import type { Page, RoutingSettings, SkillSummary, UpdateRoutingSettings } from '../types';
import { listPage } from './list';

type Signal = Pick<CallOptions, 'signal'>;

/** The tenant's quarantine and outcome-routing settings. */
export class RoutingResource {
  constructor(private readonly http: Transport) {}

  settings(options: Signal = {}): Promise<RoutingSettings> {
    return this.http.data('GET', '/routing/settings', options);
  }

  /** Changes the fields given; the others keep their values. */
  updateSettings(patch: UpdateRoutingSettings, options: Signal = {}): Promise<RoutingSettings> {
    return this.http.data('PATCH', '/routing/settings', { body: patch, ...options });
  }
}

/** The skills of the fleet and the work waiting for them. */
export class SkillsResource {
  constructor(private readonly http: Transport) {}

  /**
   * Each skill with its agents (online/total), queued tasks and the oldest wait, by name: 200 a
   * page unless `limit` says less; `cursor` is the page's `nextCursor` to read the next.
   */
  list(options: Signal & { limit?: number; cursor?: string } = {}): Promise<Page<SkillSummary>> {
    const { limit, cursor, ...call } = options;
    return listPage(this.http, '/skills', 'skills', { limit, cursor }, call);
  }
}
