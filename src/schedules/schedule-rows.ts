import type { Schedule } from './entities/schedule.entity';

export type ScheduleRow = Omit<Schedule, 'tenant'>;

export const SCHEDULE_COLUMNS = `s.id, s.tenant_id AS "tenantId", s.key,
  s.definition_key AS "definitionKey", s.cron, s.timezone, s.input, s.overlap, s.enabled,
  s.next_fire_at AS "nextFireAt", s.last_fired_at AS "lastFiredAt", s.last_run_id AS "lastRunId",
  s.created_at AS "createdAt", s.updated_at AS "updatedAt"`;
