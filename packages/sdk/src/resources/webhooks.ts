import { segment, type CallOptions, type Transport } from '../http';
import type {
  CreateEndpoint,
  CreateSource,
  Delivery,
  DeliveryDetail,
  DeliverySummary,
  Endpoint,
  EndpointWithSecret,
  InboundEvent,
  InboundEventDetail,
  Page,
  QueryOf,
  Recover,
  RecoverResult,
  Schemas,
  Source,
  SourceWithSecret,
  UpdateEndpoint,
} from '../types';
import { listPage } from './list';

type Signal = Pick<CallOptions, 'signal'>;

/** Outbound endpoints (Standard Webhooks). */
export class EndpointsResource {
  constructor(private readonly http: Transport) {}

  /** Registers an endpoint; the answer carries its secret (shown here and on rotate only). */
  create(body: CreateEndpoint, options: Signal = {}): Promise<EndpointWithSecret> {
    return this.http.data('POST', '/webhooks/endpoints', {
      body,
      idempotencyKey: true,
      ...options,
    });
  }

  list(
    query: QueryOf<'WebhookEndpointsController_list'> = {},
    options: Signal = {},
  ): Promise<Page<Endpoint>> {
    return listPage(this.http, '/webhooks/endpoints', 'endpoints', query, options);
  }

  get(id: string, options: Signal = {}): Promise<Endpoint> {
    return this.http.data('GET', `/webhooks/endpoints/${segment(id)}`, options);
  }

  update(id: string, body: UpdateEndpoint, options: Signal = {}): Promise<Endpoint> {
    return this.http.data('PATCH', `/webhooks/endpoints/${segment(id)}`, { body, ...options });
  }

  async delete(id: string, options: Signal = {}): Promise<void> {
    await this.http.json('DELETE', `/webhooks/endpoints/${segment(id)}`, options);
  }

  /** A new secret; the old one keeps signing beside it for 24 h. */
  rotateSecret(
    id: string,
    body: Schemas['RotateSecretDto'] = {},
    options: Signal = {},
  ): Promise<EndpointWithSecret> {
    return this.http.data('POST', `/webhooks/endpoints/${segment(id)}/rotate-secret`, {
      body,
      ...options,
    });
  }

  /** Sends its failed and dead deliveries since `since` (until `until`, default now) again. */
  recover(id: string, body: Recover, options: Signal = {}): Promise<RecoverResult> {
    return this.http.data('POST', `/webhooks/endpoints/${segment(id)}/recover`, {
      body,
      ...options,
    });
  }
}

/** Outbound deliveries and their attempts. */
export class DeliveriesResource {
  constructor(private readonly http: Transport) {}

  list(
    query: QueryOf<'WebhookDeliveriesController_list'> = {},
    options: Signal = {},
  ): Promise<Page<Delivery>> {
    return listPage(this.http, '/webhooks/deliveries', 'deliveries', query, options);
  }

  /** Counts of deliveries created since `since` (at most 31 days ago), by status now. */
  summary(
    query: QueryOf<'WebhookDeliveriesController_summary'>,
    options: Signal = {},
  ): Promise<DeliverySummary> {
    return this.http.data('GET', '/webhooks/deliveries/summary', { query, ...options });
  }

  get(id: string, options: Signal = {}): Promise<DeliveryDetail> {
    return this.http.data('GET', `/webhooks/deliveries/${segment(id)}`, options);
  }

  /** Due again now (one more attempt when dead). */
  retry(id: string, options: Signal = {}): Promise<DeliveryDetail> {
    return this.http.data('POST', `/webhooks/deliveries/${segment(id)}/retry`, options);
  }
}

/** Inbound senders (Standard Webhooks) and what they delivered. */
export class SourcesResource {
  constructor(private readonly http: Transport) {}

  create(body: CreateSource, options: Signal = {}): Promise<SourceWithSecret> {
    return this.http.data('POST', '/webhooks/sources', { body, idempotencyKey: true, ...options });
  }

  list(
    query: QueryOf<'InboundAdminController_list'> = {},
    options: Signal = {},
  ): Promise<Page<Source>> {
    return listPage(this.http, '/webhooks/sources', 'sources', query, options);
  }

  get(key: string, options: Signal = {}): Promise<Source> {
    return this.http.data('GET', `/webhooks/sources/${segment(key)}`, options);
  }

  async delete(key: string, options: Signal = {}): Promise<void> {
    await this.http.json('DELETE', `/webhooks/sources/${segment(key)}`, options);
  }

  rotateSecret(
    key: string,
    body: Schemas['RotateSourceSecretDto'] = {},
    options: Signal = {},
  ): Promise<SourceWithSecret> {
    return this.http.data('POST', `/webhooks/sources/${segment(key)}/rotate-secret`, {
      body,
      ...options,
    });
  }

  /** Deliveries received, newest first. */
  received(
    query: QueryOf<'InboundAdminController_inbound'> = {},
    options: Signal = {},
  ): Promise<Page<InboundEvent>> {
    return listPage(this.http, '/webhooks/inbound', 'events', query, options);
  }

  /** One received delivery with its body exactly as received (base64). */
  receivedOne(id: string, options: Signal = {}): Promise<InboundEventDetail> {
    return this.http.data('GET', `/webhooks/inbound/${segment(id)}`, options);
  }
}

/** Webhooks out (`endpoints`, `deliveries`) and in (`sources`). */
export class WebhooksResource {
  readonly endpoints: EndpointsResource;
  readonly deliveries: DeliveriesResource;
  readonly sources: SourcesResource;

  constructor(http: Transport) {
    this.endpoints = new EndpointsResource(http);
    this.deliveries = new DeliveriesResource(http);
    this.sources = new SourcesResource(http);
  }

  /** The same as `deliveries.summary`. */
  deliveriesSummary(
    query: QueryOf<'WebhookDeliveriesController_summary'>,
    options: Signal = {},
  ): Promise<DeliverySummary> {
    return this.deliveries.summary(query, options);
  }
}
