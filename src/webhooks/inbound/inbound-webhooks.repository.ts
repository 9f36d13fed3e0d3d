import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { InboundRow } from './dto/inbound-event.dto';
import { InboundStatus, InboundWebhook } from './entities/inbound-webhook.entity';

export interface NewInboundWebhook {
  id: string;
  tenantId: string;
  source: string;
  deliveryId: string;
  event: string;
  status: InboundStatus;
  reason: string | null;
  headers: Record<string, string>;
  body: Buffer;
  sourceIp: string | null;
}

export interface InboundFilters {
  source?: string;
  deliveryId?: string;
  status?: InboundStatus;
}

const LIST_COLUMNS = `w.id, w.source, w.delivery_id AS "deliveryId", w.event, w.status, w.reason,
  w.headers, w.source_ip AS "sourceIp", octet_length(w.body) AS "bodyBytes",
  w.received_at AS "receivedAt"`;

/** The SQL of the delivery stream (plain statements: one round trip each, bodies as bytea). */
@Injectable()
export class InboundWebhooksRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Inserts unless (tenant, source, delivery id) exists; false when it did (nothing written). */
  async insertOnce(manager: EntityManager, row: NewInboundWebhook): Promise<boolean> {
    const inserted = await manager.query<Array<{ id: string }>>(
      `INSERT INTO inbound_webhooks
         (id, tenant_id, source, delivery_id, event, status, reason, headers, body, source_ip)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10)
       ON CONFLICT ON CONSTRAINT inbound_webhooks_delivery_unique DO NOTHING
       RETURNING id`,
      [
        row.id,
        row.tenantId,
        row.source,
        row.deliveryId,
        row.event,
        row.status,
        row.reason,
        JSON.stringify(row.headers),
        row.body,
        row.sourceIp,
      ],
    );
    return inserted.length > 0;
  }

  /** The delivery stored first under this id (after a conflicting insert: it is committed). */
  async findDelivery(
    manager: EntityManager,
    key: { tenantId: string; source: string; deliveryId: string },
  ): Promise<{ id: string; reason: string | null }> {
    const [first] = await manager.query<Array<{ id: string; reason: string | null }>>(
      `SELECT id, reason FROM inbound_webhooks
        WHERE tenant_id = $1 AND source = $2 AND delivery_id = $3`,
      [key.tenantId, key.source, key.deliveryId],
    );
    return first;
  }

  /** Newest first, keyset on the UUIDv7 id; bodies are not read, only their size. */
  list(
    tenantId: string,
    filters: InboundFilters,
    limit: number,
    beforeId: string | undefined,
  ): Promise<InboundRow[]> {
    return this.dataSource.query<InboundRow[]>(
      `SELECT ${LIST_COLUMNS} FROM inbound_webhooks w
        WHERE w.tenant_id = $1
          AND ($2::varchar IS NULL OR w.source = $2)
          AND ($3::varchar IS NULL OR w.delivery_id = $3)
          AND ($4::varchar IS NULL OR w.status = $4)
          AND ($5::uuid IS NULL OR w.id < $5::uuid)
        ORDER BY w.id DESC LIMIT $6`,
      [
        tenantId,
        filters.source ?? null,
        filters.deliveryId ?? null,
        filters.status ?? null,
        beforeId ?? null,
        limit,
      ],
    );
  }

  findOne(tenantId: string, id: string): Promise<InboundWebhook | null> {
    return this.dataSource.manager.findOneBy(InboundWebhook, { tenantId, id });
  }
}
