import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../../audit/audit.service';
import { BadRequestError } from '../../common/errors/domain-error';
import { currentTenantId } from '../../common/context/request-context';
import { UUID_PATTERN, uuidv7 } from '../../common/ids';
import { decodeCursor, Page, toPage } from '../../common/pagination';
import type { AppConfig } from '../../config/config';
import { InjectConfig } from '../../config/config.module';
import { PgNotifications } from '../../database/pg-notifications';
import { Transaction, UnitOfWork } from '../../database/unit-of-work';
import { EventsService } from '../../events/events.service';
import { DELIVERIES_CHANNEL } from './delivery-store';
import { CreateEndpointDto, UpdateEndpointDto } from './dto/endpoint.dto';
import { DisabledReason, WebhookEndpoint } from './entities/webhook-endpoint.entity';
import { generateSecret, secretProblem } from './signature';
import { targetProblem, urlProblem } from './ssrf';
import {
  EndpointDisabledError,
  EndpointNotFoundError,
  InvalidSecretError,
  UrlNotAllowedError,
  WebhookErrorCode,
} from './webhooks.errors';
import { checkRoomForRotation, OLDER_SECRETS_AFTER_ROTATION_SQL } from '../secret-overlap';

/** How long the secret before a rotation keeps signing. */
export const SECRET_OVERLAP_MS = 24 * 60 * 60 * 1000;

export interface IssuedEndpoint {
  endpoint: WebhookEndpoint;
  secret: string;
}

/** What audit entries and events say about an endpoint: never a secret. */
function view(endpoint: WebhookEndpoint) {
  return {
    url: endpoint.url,
    description: endpoint.description,
    eventTypes: endpoint.eventTypes,
    enabled: endpoint.enabled,
    disabledReason: endpoint.disabledReason,
  };
}

/** Endpoint management: every change audited and evented in its transaction. */
@Injectable()
export class WebhookEndpointsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: AuditService,
    private readonly events: EventsService,
    private readonly notifications: PgNotifications,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async create(input: CreateEndpointDto): Promise<IssuedEndpoint> {
    const tenantId = currentTenantId();
    const secret = input.secret ?? generateSecret();
    const problem = secretProblem(secret);
    if (problem) throw new InvalidSecretError(problem);
    await this.assertTargetAllowed(input.url);
    return this.unitOfWork.run(async (tx) => {
      const id = uuidv7();
      await tx.manager.insert(WebhookEndpoint, {
        id,
        tenantId,
        url: input.url,
        description: input.description ?? null,
        eventTypes: unique(input.eventTypes),
        enabled: input.enabled ?? true,
        disabledReason: input.enabled === false ? 'manual' : null,
        secret,
      });
      const endpoint = await this.load(tx.manager, tenantId, id);
      await this.changed(tx, 'create', 'created', endpoint, { after: view(endpoint) });
      return { endpoint, secret };
    });
  }

  async get(id: string): Promise<WebhookEndpoint> {
    return this.load(this.dataSource.manager, currentTenantId(), id);
  }

  async list(limit: number, cursor?: string): Promise<Page<WebhookEndpoint>> {
    const after = decodeCursor(cursor, [UUID_PATTERN]);
    const query = this.dataSource
      .getRepository(WebhookEndpoint)
      .createQueryBuilder('e')
      .where("e.tenant_id = :tenantId AND e.kind = 'webhook'", { tenantId: currentTenantId() })
      .orderBy('e.id', 'ASC')
      .take(limit + 1);
    if (after) query.andWhere('e.id > :after', { after: after[0] });
    return toPage(await query.getMany(), limit, (endpoint) => [endpoint.id]);
  }

  async update(id: string, patch: UpdateEndpointDto): Promise<WebhookEndpoint> {
    const tenantId = currentTenantId();
    if (patch.url !== undefined) await this.assertTargetAllowed(patch.url);
    return this.unitOfWork.run(async (tx) => {
      const before = await this.lock(tx.manager, tenantId, id);
      const changes: Partial<WebhookEndpoint> = {};
      if (patch.url !== undefined) changes.url = patch.url;
      if (patch.eventTypes !== undefined) changes.eventTypes = unique(patch.eventTypes);
      if (patch.description !== undefined) changes.description = patch.description;
      if (patch.enabled === true && !before.enabled) {
        // A fresh start: what made it fail is presumably fixed.
        Object.assign(changes, {
          enabled: true,
          disabledReason: null,
          consecutiveFailures: 0,
          failingSince: null,
          breakerOpenUntil: null,
        });
      } else if (patch.enabled === false && before.enabled) {
        Object.assign(changes, { enabled: false, disabledReason: 'manual' });
      }
      if (Object.keys(changes).length === 0) return before;
      await tx.manager.update(WebhookEndpoint, { id }, { ...changes, updatedAt: () => 'now()' });
      const after = await this.load(tx.manager, tenantId, id);
      const eventKey =
        after.enabled === before.enabled ? 'updated' : after.enabled ? 'enabled' : 'disabled';
      await this.changed(tx, 'update', eventKey, after, {
        before: view(before),
        after: view(after),
      });
      // Deliveries held back while it was disabled are due now.
      if (after.enabled) this.notifications.notifyAfterCommit(tx, DELIVERIES_CHANNEL, '');
      return after;
    });
  }

  async delete(id: string): Promise<void> {
    const tenantId = currentTenantId();
    await this.unitOfWork.run(async (tx) => {
      const before = await this.lock(tx.manager, tenantId, id, 'pessimistic_write');
      await tx.manager.delete(WebhookEndpoint, { id });
      await this.changed(tx, 'delete', 'deleted', before, { before: view(before) });
    });
  }

  /**
   * A new secret; the current one keeps signing (a second signature) for 24 hours, and those
   * retired before it until their own 24 hours end (MAX_LIVE_SECRETS sign at most).
   */
  async rotateSecret(id: string, newSecret?: string): Promise<IssuedEndpoint> {
    const tenantId = currentTenantId();
    const secret = newSecret ?? generateSecret();
    const problem = secretProblem(secret);
    if (problem) throw new InvalidSecretError(problem);
    return this.unitOfWork.run(async (tx) => {
      const before = await this.lock(tx.manager, tenantId, id);
      if (before.secret === secret) {
        throw new InvalidSecretError('must differ from the current secret');
      }
      checkRoomForRotation(before, 'signs');
      await tx.manager.query(
        `UPDATE webhook_endpoints
            SET older_secrets = ${OLDER_SECRETS_AFTER_ROTATION_SQL},
                previous_secret = secret, secret = $2,
                previous_secret_expires_at = now() + $3 * interval '1 millisecond',
                updated_at = now()
          WHERE id = $1`,
        [id, secret, SECRET_OVERLAP_MS],
      );
      const endpoint = await this.load(tx.manager, tenantId, id);
      await this.changed(tx, 'rotate_secret', 'secret_rotated', endpoint, {
        after: { previousSecretExpiresAt: endpoint.previousSecretExpiresAt?.toISOString() },
      });
      return { endpoint, secret };
    });
  }

  /**
   * Queues the endpoint's failed and dead deliveries created from `since` up to `until` (or
   * now) for an attempt now. A dead one gets one more attempt; a failed one keeps the rest of
   * its schedule.
   */
  async recover(id: string, since: string, until?: string): Promise<number> {
    const tenantId = currentTenantId();
    const from = new Date(since);
    if (Number.isNaN(from.getTime()) || from.getTime() > Date.now()) {
      throw new BadRequestError(
        WebhookErrorCode.InvalidSince,
        '`since` must not be in the future.',
        [{ field: 'since', message: 'must be a past date-time' }],
      );
    }
    const to = until === undefined ? null : new Date(until);
    if (to && !(to.getTime() > from.getTime())) {
      throw new BadRequestError(WebhookErrorCode.InvalidSince, '`until` must be after `since`.', [
        { field: 'until', message: 'must be after since' },
      ]);
    }
    return this.unitOfWork.run(async (tx) => {
      const endpoint = await this.lock(tx.manager, tenantId, id);
      if (!endpoint.enabled) throw new EndpointDisabledError(id);
      const [rows]: [Array<{ id: string }>] = await tx.manager.query(
        `UPDATE webhook_deliveries
            SET status = 'pending', next_attempt_at = now(), leased_until = NULL,
                max_attempts = CASE WHEN status = 'dead' THEN attempts + 1 ELSE max_attempts END,
                updated_at = now()
          WHERE endpoint_id = $1 AND status IN ('failed', 'dead') AND created_at >= $2
            AND ($3::timestamptz IS NULL OR created_at < $3)
            -- One being sent right now keeps its lease: its outcome is about to be recorded.
            AND (leased_until IS NULL OR leased_until <= now())
          RETURNING id`,
        [id, from, to],
      );
      await this.changed(tx, 'recover', 'recovered', endpoint, {
        after: {
          since: from.toISOString(),
          until: to?.toISOString() ?? null,
          requeued: rows.length,
        },
      });
      this.notifications.notifyAfterCommit(tx, DELIVERIES_CHANNEL, '');
      return rows.length;
    });
  }

  /**
   * Turns an endpoint off from the delivery worker (410 Gone, or failing past
   * WEBHOOK_DISABLE_AFTER), with its audit entry and `webhook.endpoint.disabled` event.
   */
  async disableInTransaction(
    tx: Transaction,
    id: string,
    reason: Exclude<DisabledReason, 'manual'>,
  ): Promise<void> {
    const [rows]: [WebhookEndpoint[]] = await tx.manager.query(
      `UPDATE webhook_endpoints SET enabled = false, disabled_reason = $2, updated_at = now()
        WHERE id = $1 AND enabled RETURNING id`,
      [id, reason],
    );
    if (rows.length === 0) return;
    const endpoint = await tx.manager.findOneByOrFail(WebhookEndpoint, { id });
    await this.changed(tx, 'disable', 'disabled', endpoint, {
      before: { enabled: true },
      after: view(endpoint),
    });
  }

  private async changed(
    tx: Transaction,
    action: string,
    eventKey: string,
    endpoint: WebhookEndpoint,
    audit: { before?: unknown; after?: unknown },
  ): Promise<void> {
    const resource = { type: 'webhook_endpoint', id: endpoint.id };
    await this.audit.record(tx, {
      action: `webhook_endpoint.${action}`,
      resource,
      ...audit,
      tenantId: endpoint.tenantId,
    });
    await this.events.emit(tx, {
      type: `webhook.endpoint.${eventKey}`,
      subject: resource,
      data: { endpointId: endpoint.id, ...view(endpoint), ...(audit.after ?? {}) },
      tenantId: endpoint.tenantId,
    });
  }

  /**
   * An A2A push config's receiver: an endpoint of kind `a2a_push` with a generated secret and
   * the headers the config asks for, written in the caller's transaction (which audits the
   * config). It matches no domain event and the webhooks API does not show it.
   */
  async createPushEndpoint(
    tx: Transaction,
    tenantId: string,
    input: { url: string; description: string; headers: Record<string, string> },
  ): Promise<IssuedEndpoint> {
    const id = uuidv7();
    const secret = generateSecret();
    await tx.manager.insert(WebhookEndpoint, {
      id,
      tenantId,
      kind: 'a2a_push',
      url: input.url,
      description: input.description.slice(0, 500),
      eventTypes: [],
      headers: input.headers,
      enabled: true,
      secret,
    });
    return { endpoint: await tx.manager.findOneByOrFail(WebhookEndpoint, { id }), secret };
  }

  /**
   * A push receiver's new URL and headers; it starts afresh (enabled, breaker closed), and its
   * deliveries not yet made go to the new URL.
   */
  async updatePushEndpoint(
    tx: Transaction,
    id: string,
    input: { url: string; headers: Record<string, string> },
  ): Promise<IssuedEndpoint> {
    const endpoint = await tx.manager.findOneByOrFail(WebhookEndpoint, { id, kind: 'a2a_push' });
    await tx.manager.update(
      WebhookEndpoint,
      { id },
      {
        url: input.url,
        headers: input.headers,
        enabled: true,
        disabledReason: null,
        consecutiveFailures: 0,
        failingSince: null,
        breakerOpenUntil: null,
        updatedAt: () => 'now()',
      },
    );
    this.notifications.notifyAfterCommit(tx, DELIVERIES_CHANNEL, '');
    return { endpoint, secret: endpoint.secret };
  }

  /** Removes push receivers with their deliveries (the configs go with them: cascade). */
  async deletePushEndpoints(tx: Transaction, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await tx.manager.query(
      `DELETE FROM webhook_endpoints WHERE id = ANY($1::uuid[]) AND kind = 'a2a_push'`,
      [ids],
    );
  }

  /** Refuses a URL the SSRF guard would not let a delivery reach (WEBHOOK_ALLOWED_CIDRS). */
  async assertTargetAllowed(url: string): Promise<void> {
    const problem = await targetProblem(url, this.config.webhookAllowedCidrs);
    if (!problem) return;
    // A well-formed URL refused for where it leads: say how an operator allows it.
    throw new UrlNotAllowedError(
      urlProblem(url)
        ? problem
        : `${problem} (list its range in WEBHOOK_ALLOWED_CIDRS to allow it)`,
    );
  }

  private async load(manager: EntityManager, tenantId: string, id: string) {
    const endpoint = await manager.findOneBy(WebhookEndpoint, { tenantId, id, kind: 'webhook' });
    if (!endpoint) throw new EndpointNotFoundError(id);
    return endpoint;
  }

  /**
   * The endpoint, locked against other changes of it. A change that keeps it takes FOR NO KEY
   * UPDATE, which lets the dispatcher's fan-out (FOR KEY SHARE) go on meanwhile; a delete takes
   * FOR UPDATE, which waits for fan-outs that read it and makes later ones leave it out.
   */
  private async lock(
    manager: EntityManager,
    tenantId: string,
    id: string,
    mode: 'for_no_key_update' | 'pessimistic_write' = 'for_no_key_update',
  ) {
    const endpoint = await manager
      .getRepository(WebhookEndpoint)
      .createQueryBuilder('e')
      .setLock(mode)
      .where("e.tenant_id = :tenantId AND e.id = :id AND e.kind = 'webhook'", { tenantId, id })
      .getOne();
    if (!endpoint) throw new EndpointNotFoundError(id);
    return endpoint;
  }
}

function unique(types: string[]): string[] {
  return [...new Set(types)];
}
