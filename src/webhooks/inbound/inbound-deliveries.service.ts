import { Inject, Injectable, UnsupportedMediaTypeException } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import type { IncomingHttpHeaders } from 'node:http';
import { DEFAULT_TENANT_ID } from '../../auth/tenants.service';
import { currentTenantId } from '../../common/context/request-context';
import { UUID_PATTERN, uuidv7 } from '../../common/ids';
import { normaliseAddress, parseCidrList } from '../../common/net/cidr';
import { IpNotAllowedError } from '../../common/net/ip-allowlist';
import { decodeCursor, Page, toPage } from '../../common/pagination';
import type { AppConfig } from '../../config/config';
import { InjectConfig } from '../../config/config.module';
import { UnitOfWork } from '../../database/unit-of-work';
import { EventsService } from '../../events/events.service';
import { InboundEventDetailDto, InboundRow, inboundEventType } from './dto/inbound-event.dto';
import { InboundSourcesService } from './inbound-sources.service';
import { InboundFilters, InboundWebhooksRepository } from './inbound-webhooks.repository';
import {
  InboundNotFoundError,
  InvalidDeliveryError,
  MalformedPayloadError,
  SignatureInvalidError,
  SourceNotFoundError,
  TimestampStaleError,
} from './inbound-webhooks.errors';
import { githubEventName, parsePayload, ParsedPayload, standardEventName } from './payload';
import { githubSignatureValid, secretKey, verifyStandardWebhook } from './signatures';
import { liveSecrets } from '../secret-overlap';

export const GITHUB_SOURCE = 'github';

/** A delivery as the receiver saw it: the raw body, the headers, the client address. */
export interface HookRequest {
  /** A Buffer for application/json on the hooks routes; anything else is another media type. */
  body: unknown;
  headers: IncomingHttpHeaders;
  /** Fastify's `request.ip`: X-Forwarded-For counts only through TRUST_PROXY. */
  ip: string;
}

export interface HookReceipt {
  id: string;
  duplicate: boolean;
}

/** Thrown past the per-source budget; the controller answers 429 with Retry-After. */
export class InboundRateLimitedError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('Too many deliveries from this source; retry later.');
  }
}

const GITHUB_HEADERS = [
  'content-type',
  'user-agent',
  'x-github-delivery',
  'x-github-event',
  'x-github-hook-id',
  'x-github-hook-installation-target-id',
  'x-github-hook-installation-target-type',
  'x-hub-signature-256',
];
const STANDARD_HEADERS = [
  'content-type',
  'user-agent',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
];
const DELIVERY_ID = /^[\x21-\x7e]{1,200}$/;

/**
 * Receives signed deliveries: checks the sender (address, then signature over the raw body),
 * the per-source rate limit, then stores the delivery and its domain event in one transaction.
 * The answer goes out as soon as that commits; reactions (workflow triggers) run from the outbox.
 */
@Injectable()
export class InboundDeliveriesService {
  constructor(
    private readonly repository: InboundWebhooksRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly events: EventsService,
    private readonly sources: InboundSourcesService,
    @Inject(ThrottlerStorage) private readonly storage: ThrottlerStorage,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /** GitHub deliveries belong to the `default` tenant; no secret configured, no receiver. */
  async receiveGithub(request: HookRequest): Promise<HookReceipt> {
    const secrets = this.config.githubWebhookSecrets;
    if (secrets.length === 0) throw new SourceNotFoundError(GITHUB_SOURCE);
    if (!this.config.githubHookCidrs.contains(request.ip)) throw new IpNotAllowedError();
    const body = rawBody(request);
    if (!githubSignatureValid(secrets, body, header(request, 'x-hub-signature-256'))) {
      throw new SignatureInvalidError(
        'X-Hub-Signature-256 is missing or matches no configured secret.',
      );
    }
    const deliveryId = deliveryIdOf(header(request, 'x-github-delivery'), 'X-GitHub-Delivery');
    const event = githubEventName(header(request, 'x-github-event'));
    if (!event) throw new InvalidDeliveryError('X-GitHub-Event is missing or not an event name.');
    await this.countDelivery(GITHUB_SOURCE);
    return this.store(request, body, {
      tenantId: DEFAULT_TENANT_ID,
      source: GITHUB_SOURCE,
      deliveryId,
      headerNames: GITHUB_HEADERS,
      eventOf: () => event,
      // GitHub sends objects: anything else signed would start runs that cannot resolve.
      payloadKind: 'object',
    });
  }

  /** A Standard Webhooks sender registered with POST /webhooks/sources. */
  async receiveStandard(key: string, request: HookRequest): Promise<HookReceipt> {
    const source = await this.sources.findForDelivery(key);
    if (!source) throw new SourceNotFoundError(key.slice(0, 80));
    if (source.allowedCidrs.length > 0 && !parseCidrList(source.allowedCidrs).contains(request.ip))
      throw new IpNotAllowedError();
    const body = rawBody(request);
    const keys = liveSecrets(source).map(secretKey);
    const verdict = verifyStandardWebhook(
      keys.filter((k): k is Buffer => k !== undefined),
      {
        id: header(request, 'webhook-id'),
        timestamp: header(request, 'webhook-timestamp'),
        signature: header(request, 'webhook-signature'),
      },
      body,
      source.toleranceSeconds,
    );
    if (!verdict.ok) {
      switch (verdict.reason) {
        case 'missing_headers':
          throw new SignatureInvalidError(
            'webhook-id, webhook-timestamp and webhook-signature are all required.',
          );
        case 'bad_timestamp':
          throw new SignatureInvalidError('webhook-timestamp must be unix seconds.');
        case 'stale':
          throw new TimestampStaleError(source.toleranceSeconds);
        case 'bad_signature':
          throw new SignatureInvalidError('webhook-signature has no v1 entry matching a secret.');
      }
    }
    const deliveryId = deliveryIdOf(verdict.id, 'webhook-id');
    await this.countDelivery(source.key);
    return this.store(request, body, {
      tenantId: source.tenantId,
      source: source.key,
      deliveryId,
      headerNames: STANDARD_HEADERS,
      eventOf: standardEventName,
    });
  }

  /** The caller's tenant's deliveries, newest first. */
  async list(filters: InboundFilters, limit: number, cursor?: string): Promise<Page<InboundRow>> {
    const after = decodeCursor(cursor, [UUID_PATTERN]);
    const rows = await this.repository.list(
      currentTenantId(),
      filters,
      limit + 1,
      after ? String(after[0]) : undefined,
    );
    return toPage(rows, limit, (row) => [row.id]);
  }

  async get(id: string): Promise<InboundEventDetailDto> {
    const row = await this.repository.findOne(currentTenantId(), id);
    if (!row) throw new InboundNotFoundError(id);
    const parsed = row.status === 'accepted' ? parsePayload(row.body) : undefined;
    return InboundEventDetailDto.detail(row, parsed?.ok ? parsed.value : null);
  }

  /** Counts verified deliveries only: forged ones cannot use up a sender's budget. */
  private async countDelivery(source: string): Promise<void> {
    const record = await this.storage.increment(
      `inbound:${source}`,
      60_000,
      this.config.inboundRateLimitPerMinute,
      0,
      'inbound',
    );
    if (record.isBlocked) throw new InboundRateLimitedError(record.timeToBlockExpire);
  }

  /**
   * Stores the delivery once per (tenant, source, delivery id): a repeat stores nothing and
   * reports the first one. An accepted delivery emits `inbound.<source>.<event>` in the same
   * transaction; a signed body that is not usable JSON is kept as rejected, answered 400.
   */
  private async store(
    request: HookRequest,
    body: Buffer,
    delivery: {
      tenantId: string;
      source: string;
      deliveryId: string;
      headerNames: string[];
      eventOf: (payload: unknown) => string;
      payloadKind?: 'object';
    },
  ): Promise<HookReceipt> {
    const { tenantId, source, deliveryId } = delivery;
    const parsed: ParsedPayload = parsePayload(body, delivery.payloadKind);
    const event = delivery.eventOf(parsed.ok ? parsed.value : undefined);
    const outcome = await this.unitOfWork.run(async (tx) => {
      const id = uuidv7();
      const inserted = await this.repository.insertOnce(tx.manager, {
        id,
        tenantId,
        source,
        deliveryId,
        event,
        status: parsed.ok ? 'accepted' : 'rejected',
        reason: parsed.ok ? null : parsed.reason,
        headers: pickHeaders(request.headers, delivery.headerNames),
        body,
        sourceIp: normaliseAddress(request.ip)?.slice(0, 64) ?? null,
      });
      if (!inserted) {
        const first = await this.repository.findDelivery(tx.manager, delivery);
        return { id: first.id, duplicate: true, rejected: first.reason };
      }
      if (parsed.ok) {
        await this.events.emit(tx, {
          type: inboundEventType(source, event),
          subject: { type: 'inbound_webhook', id },
          data: { source, event, deliveryId, inboundEventId: id, payload: parsed.value },
          tenantId,
        });
      }
      return { id, duplicate: false, rejected: parsed.ok ? null : parsed.reason };
    });
    // A repeat of a refused delivery is refused again (whatever its body now), storing nothing.
    if (outcome.rejected !== null) {
      throw new MalformedPayloadError(
        outcome.rejected,
        outcome.duplicate ? deliveryId.slice(0, 200) : undefined,
      );
    }
    return { id: outcome.id, duplicate: outcome.duplicate };
  }
}

/** The bytes as received; other media types were parsed (or refused) before reaching us. */
function rawBody(request: HookRequest): Buffer {
  if (request.body === undefined || request.body === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(request.body)) return request.body;
  throw new UnsupportedMediaTypeException('Deliveries must be sent as application/json.');
}

function header(request: HookRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function deliveryIdOf(value: string | undefined, name: string): string {
  if (value === undefined || !DELIVERY_ID.test(value)) {
    throw new InvalidDeliveryError(`${name} must be 1-200 printable characters without spaces.`);
  }
  return value;
}

function pickHeaders(headers: IncomingHttpHeaders, names: string[]): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of names) {
    const value = headers[name];
    if (value !== undefined)
      picked[name] = (Array.isArray(value) ? value.join(', ') : value).slice(0, 2048);
  }
  return picked;
}
