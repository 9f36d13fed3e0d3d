import { BadRequestError, ConflictError, NotFoundError } from '../../common/errors/domain-error';

export enum WebhookErrorCode {
  EndpointNotFound = 'webhook_endpoint_not_found',
  DeliveryNotFound = 'webhook_delivery_not_found',
  UrlNotAllowed = 'webhook_url_not_allowed',
  InvalidSecret = 'invalid_webhook_secret',
  InvalidSince = 'invalid_since',
  DeliveryInFlight = 'webhook_delivery_in_flight',
  EndpointDisabled = 'webhook_endpoint_disabled',
}

export class EndpointNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(WebhookErrorCode.EndpointNotFound, `Webhook endpoint "${id}" was not found.`);
  }
}

export class DeliveryNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(WebhookErrorCode.DeliveryNotFound, `Webhook delivery "${id}" was not found.`);
  }
}

export class UrlNotAllowedError extends BadRequestError {
  constructor(problem: string) {
    super(WebhookErrorCode.UrlNotAllowed, `The webhook URL is not allowed: ${problem}.`, [
      { field: 'url', message: problem },
    ]);
  }
}

export class InvalidSecretError extends BadRequestError {
  constructor(problem: string) {
    super(WebhookErrorCode.InvalidSecret, `The webhook secret is not usable: it ${problem}.`, [
      { field: 'secret', message: problem },
    ]);
  }
}

export class EndpointDisabledError extends ConflictError {
  constructor(id: string) {
    super(
      WebhookErrorCode.EndpointDisabled,
      `Webhook endpoint "${id}" is disabled: enable it first.`,
    );
  }
}
