import {
  BadRequestError,
  ConflictError,
  NotFoundError,
  UnauthorizedError,
} from '../../common/errors/domain-error';

export enum InboundWebhookErrorCode {
  SourceNotFound = 'webhook_source_not_found',
  SourceExists = 'webhook_source_exists',
  InvalidSource = 'invalid_webhook_source',
  InboundNotFound = 'inbound_webhook_not_found',
  SignatureInvalid = 'webhook_signature_invalid',
  TimestampStale = 'webhook_timestamp_stale',
  InvalidDelivery = 'invalid_webhook_delivery',
  MalformedPayload = 'malformed_webhook_payload',
}

export class SourceNotFoundError extends NotFoundError {
  constructor(key: string) {
    super(InboundWebhookErrorCode.SourceNotFound, `Webhook source "${key}" was not found.`);
  }
}

export class SourceExistsError extends ConflictError {
  constructor(key: string) {
    super(
      InboundWebhookErrorCode.SourceExists,
      `Webhook source key "${key}" is taken: keys are unique across all tenants.`,
    );
  }
}

export class InboundNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(InboundWebhookErrorCode.InboundNotFound, `Inbound webhook "${id}" was not found.`);
  }
}

export class SignatureInvalidError extends UnauthorizedError {
  constructor(detail: string) {
    super(InboundWebhookErrorCode.SignatureInvalid, detail);
  }
}

export class TimestampStaleError extends UnauthorizedError {
  constructor(toleranceSeconds: number) {
    super(
      InboundWebhookErrorCode.TimestampStale,
      `webhook-timestamp is more than ${toleranceSeconds} s away from now.`,
    );
  }
}

export class InvalidDeliveryError extends BadRequestError {
  constructor(detail: string) {
    super(InboundWebhookErrorCode.InvalidDelivery, detail);
  }
}

/** A signed delivery whose body is not usable JSON: stored as rejected, answered 400. */
export class MalformedPayloadError extends BadRequestError {
  /** `repeatOf`: the id of a delivery refused when first received, sent again. */
  constructor(reason: string, repeatOf?: string) {
    super(
      InboundWebhookErrorCode.MalformedPayload,
      repeatOf === undefined
        ? `The delivery was refused: ${reason}.`
        : `Delivery ${repeatOf} was refused when first received (${reason}); a refused delivery ` +
            'stays refused: send it under a new delivery id.',
    );
  }
}
