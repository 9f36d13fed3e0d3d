import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../../audit/audit.service';
import { currentTenantId } from '../../common/context/request-context';
import { BadRequestError, FieldError } from '../../common/errors/domain-error';
import { parseCidrList } from '../../common/net/cidr';
import { decodeCursor, Page, toPage } from '../../common/pagination';
import { Transaction, UnitOfWork } from '../../database/unit-of-work';
import { EventsService } from '../../events/events.service';
import {
  CreateSourceDto,
  DEFAULT_OVERLAP_SECONDS,
  DEFAULT_TOLERANCE_SECONDS,
  RESERVED_SOURCE_KEYS,
  RotateSourceSecretDto,
  SOURCE_KEY_PATTERN,
  SourceDto,
} from './dto/source.dto';
import { InboundWebhookSource } from './entities/inbound-webhook-source.entity';
import {
  InboundWebhookErrorCode,
  SourceExistsError,
  SourceNotFoundError,
} from './inbound-webhooks.errors';
import { generateSecret, secretKey } from './signatures';
import { checkRoomForRotation, OLDER_SECRETS_AFTER_ROTATION_SQL } from '../secret-overlap';

/** Domain event (`webhook_source.<key>`) → audit action of the same change. */
const AUDIT_ACTIONS = {
  created: 'webhook_source.create',
  deleted: 'webhook_source.delete',
  secret_rotated: 'webhook_source.rotate_secret',
} as const;

/** The Standard Webhooks senders a tenant registered; admin side of the receivers. */
@Injectable()
export class InboundSourcesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: AuditService,
    private readonly events: EventsService,
  ) {}

  /** 409 when the key is taken in any tenant: `/hooks/{key}` names no tenant. */
  async create(input: CreateSourceDto): Promise<InboundWebhookSource> {
    const tenantId = currentTenantId();
    if (RESERVED_SOURCE_KEYS.includes(input.key)) {
      throw invalid('key', `"${input.key}" is reserved`);
    }
    const secret = checkedSecret(input.secret);
    const allowedCidrs = checkedCidrs(input.allowedCidrs ?? []);
    return this.unitOfWork.run(async (tx) => {
      const rows = await tx.manager
        .createQueryBuilder()
        .insert()
        .into(InboundWebhookSource)
        .values({
          key: input.key,
          tenantId,
          description: input.description ?? null,
          secret,
          allowedCidrs,
          toleranceSeconds: input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS,
        })
        .orIgnore()
        .returning(['key'])
        .execute();
      if ((rows.raw as unknown[]).length === 0) throw new SourceExistsError(input.key);
      const source = await this.load(tx, tenantId, input.key);
      await this.changed(tx, 'created', source, { after: auditView(source) });
      return source;
    });
  }

  async get(key: string): Promise<InboundWebhookSource> {
    const source = await this.dataSource.manager.findOneBy(InboundWebhookSource, {
      tenantId: currentTenantId(),
      key,
    });
    if (!source) throw new SourceNotFoundError(key);
    return source;
  }

  /** Keyset pages by key. */
  async list(limit: number, cursor?: string): Promise<Page<InboundWebhookSource>> {
    const after = decodeCursor(cursor, [SOURCE_KEY_PATTERN]);
    const query = this.dataSource
      .getRepository(InboundWebhookSource)
      .createQueryBuilder('s')
      .where('s.tenant_id = :tenantId', { tenantId: currentTenantId() })
      .orderBy('s.key', 'ASC')
      .take(limit + 1);
    if (after) query.andWhere('s.key > :after', { after: after[0] });
    return toPage(await query.getMany(), limit, (source) => [source.key]);
  }

  /** Deliveries already received stay (they are append-only); the key becomes free. */
  async delete(key: string): Promise<void> {
    const tenantId = currentTenantId();
    await this.unitOfWork.run(async (tx) => {
      const source = await this.load(tx, tenantId, key, true);
      await tx.manager.delete(InboundWebhookSource, { tenantId, key });
      await this.changed(tx, 'deleted', source, { before: auditView(source) });
    });
  }

  /**
   * A new secret; the current one still verifies for `overlapSeconds` (default 24 h), those
   * retired before it until their own overlap ends (MAX_LIVE_SECRETS verify at most). With
   * `overlapSeconds` 0 only the new one verifies.
   */
  async rotateSecret(key: string, input: RotateSourceSecretDto): Promise<InboundWebhookSource> {
    const tenantId = currentTenantId();
    const secret = checkedSecret(input.secret);
    const overlapSeconds = input.overlapSeconds ?? DEFAULT_OVERLAP_SECONDS;
    return this.unitOfWork.run(async (tx) => {
      const before = await this.load(tx, tenantId, key, true);
      // Without overlap only the new secret verifies: every retired one ends now.
      if (overlapSeconds > 0) checkRoomForRotation(before, 'verifies');
      await tx.manager.query(
        `UPDATE inbound_webhook_sources
            SET older_secrets = CASE WHEN $3::integer > 0
                                     THEN ${OLDER_SECRETS_AFTER_ROTATION_SQL} ELSE '[]' END,
                previous_secret = CASE WHEN $3::integer > 0 THEN secret END,
                previous_secret_expires_at =
                  CASE WHEN $3::integer > 0 THEN now() + make_interval(secs => $3::integer) END,
                secret = $4, updated_at = now()
          WHERE tenant_id = $1 AND key = $2`,
        [tenantId, key, overlapSeconds, secret],
      );
      const source = await this.load(tx, tenantId, key);
      await this.changed(tx, 'secret_rotated', source, {
        before: auditView(before),
        after: { ...auditView(source), overlapSeconds },
      });
      return source;
    });
  }

  /** The source a delivery names, whatever its tenant (the receiving route has none). */
  findForDelivery(key: string): Promise<InboundWebhookSource | null> {
    if (!SOURCE_KEY_PATTERN.test(key)) return Promise.resolve(null);
    return this.dataSource.manager.findOneBy(InboundWebhookSource, { key });
  }

  private async load(
    tx: Transaction,
    tenantId: string,
    key: string,
    forUpdate = false,
  ): Promise<InboundWebhookSource> {
    const source = await tx.manager.findOne(InboundWebhookSource, {
      where: { tenantId, key },
      ...(forUpdate ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    if (!source) throw new SourceNotFoundError(key);
    return source;
  }

  private async changed(
    tx: Transaction,
    change: keyof typeof AUDIT_ACTIONS,
    source: InboundWebhookSource,
    detail: { before?: unknown; after?: unknown },
  ): Promise<void> {
    const resource = { type: 'webhook_source', id: source.key };
    await this.audit.record(tx, { action: AUDIT_ACTIONS[change], resource, ...detail });
    await this.events.emit(tx, {
      type: `webhook_source.${change}`,
      subject: resource,
      data: { key: source.key, before: detail.before ?? null, after: detail.after ?? null },
    });
  }
}

/** What the audit trail and events keep of a source: never its secrets. */
function auditView(source: InboundWebhookSource) {
  const { key, description, allowedCidrs, toleranceSeconds, previousSecretExpiresAt } =
    SourceDto.from(source);
  return { key, description, allowedCidrs, toleranceSeconds, previousSecretExpiresAt };
}

function checkedSecret(secret: string | undefined): string {
  if (secret === undefined) return generateSecret();
  if (!secretKey(secret)) {
    throw invalid('secret', 'secret must be "whsec_" followed by base64 of 24 to 64 bytes');
  }
  return secret;
}

function checkedCidrs(entries: string[]): string[] {
  const errors: FieldError[] = [];
  entries.forEach((entry, index) => {
    try {
      parseCidrList([entry.trim()]);
    } catch (error) {
      errors.push({ field: `allowedCidrs[${index}]`, message: (error as Error).message });
    }
  });
  if (errors.length > 0) {
    throw new BadRequestError(
      InboundWebhookErrorCode.InvalidSource,
      'allowedCidrs has entries that are not CIDR ranges or addresses.',
      errors,
    );
  }
  return [...new Set(entries.map((entry) => entry.trim()))];
}

function invalid(field: string, message: string): BadRequestError {
  return new BadRequestError(InboundWebhookErrorCode.InvalidSource, `${message}.`, [
    { field, message },
  ]);
}
