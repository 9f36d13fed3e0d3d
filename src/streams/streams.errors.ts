import { BadRequestError } from '../common/errors/domain-error';

export enum StreamErrorCode {
  InvalidLastEventId = 'invalid_last_event_id',
}

export class InvalidLastEventIdError extends BadRequestError {
  /** `past`: a well-formed id past the newest event there is, with that event's position. */
  constructor(past?: { id: bigint; newest: bigint }) {
    super(
      StreamErrorCode.InvalidLastEventId,
      past
        ? `Last-Event-ID ${past.id} is past the newest event (${past.newest}): it was not sent ` +
            'by this service on this database.'
        : 'Last-Event-ID must be the `id:` of an event this stream sent (a position: digits only).',
    );
  }
}
