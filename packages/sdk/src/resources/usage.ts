import type { CallOptions, Transport } from '../http';
import type { Page, QueryOf, UsageGroup } from '../types';
import { listAll, listPage } from './list';

type Signal = Pick<CallOptions, 'signal'>;

/** What agents reported using (tokens, dollars), summed per group over a period. */
export class UsageResource {
  constructor(private readonly http: Transport) {}

  /** One page of groups (by `groupBy`: day, definition, agent, skill or model), in key order. */
  report(
    query: QueryOf<'UsageController_report'> = {},
    options: Signal = {},
  ): Promise<Page<UsageGroup>> {
    return listPage(this.http, '/usage', 'usage', query, options);
  }

  /** Every group, page after page. */
  iterate(query: QueryOf<'UsageController_report'> = {}): AsyncGenerator<UsageGroup> {
    return listAll(this.http, '/usage', 'usage', query);
  }
}
