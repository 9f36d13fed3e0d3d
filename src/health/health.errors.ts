import { DomainError } from '../common/errors/domain-error';

export enum HealthErrorCode {
  NotReady = 'not_ready',
}

export class HealthUnavailableError extends DomainError {
  readonly kind = 'unavailable' as const;

  constructor(detail: string) {
    super(HealthErrorCode.NotReady, detail);
  }
}
