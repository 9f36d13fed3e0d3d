import { segment, type CallOptions, type Transport } from '../http';
import type {
  CreateSchedule,
  Page,
  QueryOf,
  Schedule,
  ScheduleDetail,
  UpdateSchedule,
} from '../types';
import { listAll, listPage } from './list';

type Signal = Pick<CallOptions, 'signal'>;

/** Cron schedules that start runs of a definition's latest version. */
export class SchedulesResource {
  constructor(private readonly http: Transport) {}

  create(body: CreateSchedule, options: Signal = {}): Promise<ScheduleDetail> {
    return this.http.data('POST', '/schedules', { body, idempotencyKey: true, ...options });
  }

  list(
    query: QueryOf<'SchedulesController_list'> = {},
    options: Signal = {},
  ): Promise<Page<Schedule>> {
    return listPage(this.http, '/schedules', 'schedules', query, options);
  }

  /** Every schedule, page after page. */
  iterate(query: QueryOf<'SchedulesController_list'> = {}): AsyncGenerator<Schedule> {
    return listAll(this.http, '/schedules', 'schedules', query);
  }

  /** The schedule with its next five fire times. */
  get(key: string, options: Signal = {}): Promise<ScheduleDetail> {
    return this.http.data('GET', `/schedules/${segment(key)}`, options);
  }

  /** A new cron or timezone, or enabling it, sets its next tick from now. */
  update(key: string, body: UpdateSchedule, options: Signal = {}): Promise<ScheduleDetail> {
    return this.http.data('PATCH', `/schedules/${segment(key)}`, { body, ...options });
  }

  /** Removes the schedule; runs it started are kept. */
  async delete(key: string, options: Signal = {}): Promise<void> {
    await this.http.json('DELETE', `/schedules/${segment(key)}`, options);
  }

  /** No tick fires until it is resumed. */
  pause(key: string, options: Signal = {}): Promise<ScheduleDetail> {
    return this.http.data('POST', `/schedules/${segment(key)}/pause`, options);
  }

  /** Fires again from its next tick after now. */
  resume(key: string, options: Signal = {}): Promise<ScheduleDetail> {
    return this.http.data('POST', `/schedules/${segment(key)}/resume`, options);
  }
}
