import { UnavailableError } from '../common/errors/domain-error';

export enum HealthErrorCode {
  NotReady = 'not_ready',
}

export class HealthUnavailableError extends UnavailableError {
  constructor(detail: string) {
    super(HealthErrorCode.NotReady, detail);
  }
}
