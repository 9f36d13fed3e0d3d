import { BadRequestError, ConflictError, NotFoundError } from '../common/errors/domain-error';

export enum ScheduleErrorCode {
  NotFound = 'schedule_not_found',
  Exists = 'schedule_exists',
  Invalid = 'invalid_schedule',
  Exhausted = 'schedule_exhausted',
}

export class ScheduleNotFoundError extends NotFoundError {
  constructor(key: string) {
    super(ScheduleErrorCode.NotFound, `Schedule "${key}" was not found.`);
  }
}

export class ScheduleExistsError extends ConflictError {
  constructor(key: string) {
    super(ScheduleErrorCode.Exists, `A schedule "${key}" already exists.`);
  }
}

export class InvalidScheduleError extends BadRequestError {
  constructor(field: string, message: string) {
    super(ScheduleErrorCode.Invalid, 'The schedule is invalid.', [{ field, message }]);
  }
}

/** Enabling a schedule whose expression has no fire time left (a year passed). */
export class ScheduleExhaustedError extends ConflictError {
  constructor(key: string) {
    super(
      ScheduleErrorCode.Exhausted,
      `Schedule "${key}" has no fire time left: give it a new cron expression to enable it.`,
    );
  }
}
