import { BadRequestError } from '../common/errors/domain-error';

export enum StreamErrorCode {
  InvalidLastEventId = 'invalid_last_event_id',
}

export class InvalidLastEventIdError extends BadRequestError {
  constructor() {
    super(
      StreamErrorCode.InvalidLastEventId,
      'Last-Event-ID must be the `id:` of an event this stream sent (a position: digits only).',
    );
  }
}
