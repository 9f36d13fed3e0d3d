import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../../audit/audit.service';
import { ConflictError } from '../../common/errors/domain-error';
import { currentTenantId } from '../../common/context/request-context';
import { UUID_PATTERN } from '../../common/ids';
import { decodeCursor, Page, toPage } from '../../common/pagination';
import { PgNotifications } from '../../database/pg-notifications';
import { UnitOfWork } from '../../database/unit-of-work';
import { EventsService } from '../../events/events.service';
import { DELIVERIES_CHANNEL } from './delivery-store';
import { AttemptDto, DeliveryQueryDto, DeliveryView } from './dto/delivery.dto';
import { DeliveryNotFoundError, EndpointDisabledError, WebhookErrorCode } from './webhooks.errors';

const COLUMNS = `d.id, d.endpoint_id AS "endpointId", d.message_id AS "eventId",
  d.event_type AS "eventType", d.status, d.attempts AS "attemptCount",
  d.next_attempt_at AS "nextAttemptAt", d.last_status_code AS "lastStatusCode",
  d.last_error AS "lastError", d.created_at AS "createdAt", d.updated_at AS "updatedAt",
  d.succeeded_at AS "succeededAt"`;

export interface DeliveryDetail extends DeliveryView {
  payload: Record<string, unknown>;
  attempts: AttemptDto[];
}

/** Reading deliveries with their attempts, and sending one again by hand. */
@Injectable()
export class WebhookDeliveriesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: AuditService,
    private readonly events: EventsService,
    private readonly notifications: PgNotifications,
  ) {}

  /** Newest first, keyset-paginated on the (time-ordered) id. */
  async list(
    filters: DeliveryQueryDto,
    limit: number,
    cursor?: string,
  ): Promise<Page<DeliveryView>> {
    const before = decodeCursor(cursor, [UUID_PATTERN]);
    const rows: DeliveryView[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM webhook_deliveries d
        WHERE d.tenant_id = $1
          AND ($2::uuid IS NULL OR d.endpoint_id = $2::uuid)
          AND ($3::varchar IS NULL OR d.status = $3::varchar)
          AND ($4::varchar IS NULL OR d.event_type = $4::varchar)
          AND ($5::uuid IS NULL OR d.id < $5::uuid)
        ORDER BY d.id DESC LIMIT $6`,
      [
        currentTenantId(),
        filters.endpointId ?? null,
        filters.status ?? null,
        filters.eventType ?? null,
        before ? before[0] : null,
        limit + 1,
      ],
    );
    return toPage(rows, limit, (row) => [row.id]);
  }

  async get(id: string): Promise<DeliveryDetail> {
    const [row]: Array<DeliveryView & { body: string }> = await this.dataSource.query(
      `SELECT ${COLUMNS}, m.body FROM webhook_deliveries d
         JOIN webhook_messages m ON m.id = d.message_id
        WHERE d.tenant_id = $1 AND d.id = $2`,
      [currentTenantId(), id],
    );
    if (!row) throw new DeliveryNotFoundError(id);
    const attempts: Array<Omit<AttemptDto, 'attemptedAt'> & { attemptedAt: Date }> =
      await this.dataSource.query(
        `SELECT attempted_at AS "attemptedAt", status_code AS "statusCode",
                duration_ms AS "durationMs", response_body AS "responseBody", error
           FROM webhook_attempts WHERE delivery_id = $1 ORDER BY attempted_at, id`,
        [id],
      );
    const { body, ...delivery } = row;
    return {
      ...delivery,
      payload: JSON.parse(body) as Record<string, unknown>,
      attempts: attempts.map((a) => ({ ...a, attemptedAt: a.attemptedAt.toISOString() })),
    };
  }

  /**
   * Due now. A dead or succeeded delivery gets one more attempt; a failed or pending one keeps
   * its schedule, and one already due is left as it is, with no audit entry or event (a retry
   * asked again). 409 while a sender holds it or its endpoint is disabled.
   */
  async retry(id: string): Promise<DeliveryDetail> {
    const tenantId = currentTenantId();
    await this.unitOfWork.run(async (tx) => {
      // Judged by the clock once the row is ours, not by when this transaction began: a retry
      // that waited for another's commit would take its fresh "due now" for a later schedule.
      const [row]: Array<{
        status: string;
        endpointId: string;
        leased: boolean;
        enabled: boolean;
        due: boolean;
      }> = await tx.manager.query(
        `SELECT d.status, d.endpoint_id AS "endpointId", e.enabled,
                coalesce(d.leased_until > clock_timestamp(), false) AS leased,
                d.next_attempt_at <= clock_timestamp() AS due
           FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
          WHERE d.tenant_id = $1 AND d.id = $2
          FOR UPDATE OF d`,
        [tenantId, id],
      );
      if (!row) throw new DeliveryNotFoundError(id);
      if (row.leased) {
        throw new ConflictError(
          WebhookErrorCode.DeliveryInFlight,
          `Webhook delivery "${id}" is being sent right now.`,
        );
      }
      if (!row.enabled) throw new EndpointDisabledError(row.endpointId);
      // Due already (another retry's, or its schedule's): nothing to change, nothing to record.
      if (row.due && (row.status === 'pending' || row.status === 'failed')) return;
      await tx.manager.query(
        `UPDATE webhook_deliveries
            SET status = CASE WHEN status IN ('dead', 'succeeded') THEN 'pending' ELSE status END,
                max_attempts = CASE WHEN status IN ('dead', 'succeeded') THEN attempts + 1
                                    ELSE max_attempts END,
                next_attempt_at = now(), updated_at = now()
          WHERE id = $1`,
        [id],
      );
      const resource = { type: 'webhook_delivery', id };
      await this.audit.record(tx, {
        action: 'webhook_delivery.retry',
        resource,
        before: { status: row.status },
        after: { status: row.status === 'failed' ? 'failed' : 'pending' },
      });
      await this.events.emit(tx, {
        type: 'webhook.delivery.retried',
        subject: resource,
        data: { deliveryId: id, endpointId: row.endpointId, previousStatus: row.status },
      });
      this.notifications.notifyAfterCommit(tx, DELIVERIES_CHANNEL, '');
    });
    return this.get(id);
  }
}
