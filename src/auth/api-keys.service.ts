import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnauthorizedError,
} from '../common/errors/domain-error';
import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, IsNull, Not, Repository } from 'typeorm';
import type { AppConfig } from '../config/config';
import { InjectConfig } from '../config/config.module';
import { currentTenantId, requestContext } from '../common/context/request-context';
import { UUID_PATTERN, uuidv7 } from '../common/ids';
import { decodeCursor, Page, toPage } from '../common/pagination';
import { PgNotifications } from '../database/pg-notifications';
import { preparedQuery } from '../database/prepared';
import { Transaction, UnitOfWork } from '../database/unit-of-work';
import { AuditService } from '../audit/audit.service';
import { API_KEYS_CHANNEL, ApiKeyCache, Principal } from './api-key-cache';
import { displayPrefix, generateApiKey, hashApiKey } from './api-key.codec';
import { AuthErrorCode } from './auth.errors';
import { ApiKeyDto } from './dto/api-key.dto';
import { ApiKey } from './entities/api-key.entity';
import { Grants, GRANT_VIOLATION_MESSAGES, grantViolation } from './key-grants';
import { ADMIN_SCOPE } from './scopes';
import { DEFAULT_TENANT_ID, TenantsService } from './tenants.service';

export interface CreateApiKeyInput {
  name: string;
  scopes: string[];
  agentId?: string;
  expiresAt?: Date;
  tenantId?: string;
}

export interface IssuedApiKey {
  record: ApiKey;
  key: string;
}

const ADMIN_KEY_NAME = 'admin';
const ADMIN_BOOTSTRAP_LOCK = 0x6167_6d66;

@Injectable()
export class ApiKeysService {
  private readonly logger = new Logger(ApiKeysService.name);
  /** The admin key this start generated, if it did: the first-start banner shows it. */
  private generatedAdminKey: string | undefined;
  private readonly adminKeyHash: string | undefined;

  constructor(
    @InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>,
    private readonly unitOfWork: UnitOfWork,
    private readonly cache: ApiKeyCache,
    private readonly notifications: PgNotifications,
    private readonly tenants: TenantsService,
    private readonly audit: AuditService,
    @InjectConfig() config: AppConfig,
  ) {
    this.adminKeyHash = config.adminApiKey ? hashApiKey(config.adminApiKey) : undefined;
  }

  /** Resolves a presented key to its principal, from the cache when possible. */
  async authenticate(key: string): Promise<Principal> {
    const hash = hashApiKey(key);
    const principal = await this.cache.resolve(hash, () => this.load(hash));
    if (!isUsable(principal)) throw invalidKey();
    return principal;
  }

  /** Whether this key was served recently on this replica (see PrincipalCache.inUse). */
  inUse(key: string): boolean {
    return this.cache.inUse(hashApiKey(key));
  }

  /** The principal of a key already in the cache and still valid; never reads the database. */
  authenticateCached(key: string): Principal | undefined {
    const principal = this.cache.get(hashApiKey(key));
    return isUsable(principal) ? principal : undefined;
  }

  private async load(hash: string): Promise<Principal | null> {
    const row = await this.keys.findOneBy({ keyHash: hash, revokedAt: IsNull() });
    if (!row) return null;
    return {
      keyId: row.id,
      tenantId: row.tenantId,
      scopes: row.scopes,
      agentId: row.agentId,
      expiresAt: row.expiresAt ? row.expiresAt.getTime() : null,
    };
  }

  async create(input: CreateApiKeyInput): Promise<IssuedApiKey> {
    const context = requestContext.require();
    const isPlatformAdmin = context.scopes?.includes(ADMIN_SCOPE) ?? false;
    const tenantId = input.tenantId ?? currentTenantId();
    // null, as for the other optional fields, is no value: the caller's own tenant.
    if (input.tenantId != null && input.tenantId !== context.tenantId && !isPlatformAdmin) {
      throw new ForbiddenError(
        AuthErrorCode.TenantSwitchForbidden,
        'Only platform admins may create keys in another tenant.',
      );
    }
    refuseOutranking({ scopes: input.scopes, agentId: input.agentId ?? null }, 'create');
    refuseOutliving(input.expiresAt ?? null, 'create');
    if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) {
      throw new BadRequestError(AuthErrorCode.InvalidExpiry, 'expiresAt must be in the future.', [
        { field: 'expiresAt', message: 'expiresAt must be in the future' },
      ]);
    }
    if (!(await this.tenants.exists(tenantId))) {
      throw new NotFoundError(AuthErrorCode.TenantNotFound, `Tenant "${tenantId}" does not exist.`);
    }
    return this.unitOfWork.run(async (tx) => {
      const issued = await this.insert(tx.manager, {
        tenantId,
        name: input.name,
        scopes: [...new Set(input.scopes)],
        agentId: input.agentId ?? null,
        expiresAt: input.expiresAt ?? null,
      });
      await this.audit.record(tx, {
        action: 'api_key.create',
        resource: { type: 'api_key', id: issued.record.id },
        after: auditView(issued.record),
        tenantId,
      });
      return issued;
    });
  }

  /** Newest first, keyset pages on id: one prepared statement (a hot admin read). */
  async list(limit: number, cursor?: string): Promise<Page<ApiKey>> {
    const after = decodeCursor(cursor, [UUID_PATTERN]);
    const rows = await preparedQuery<ApiKey>(
      this.keys.manager.connection,
      `SELECT id, tenant_id AS "tenantId", name, prefix, key_hash AS "keyHash", scopes,
              agent_id AS "agentId", expires_at AS "expiresAt", revoked_at AS "revokedAt",
              rotated_to AS "rotatedTo", created_at AS "createdAt"
         FROM api_keys
        WHERE tenant_id = $1 AND ($2::uuid IS NULL OR id < $2::uuid)
          AND ($4::varchar IS NULL OR agent_id = $4)
        ORDER BY id DESC LIMIT $3`,
      [currentTenantId(), after ? after[0] : null, limit + 1, boundAgent()],
    );
    return toPage(rows, limit, (key) => [key.id]);
  }

  /** An agent-bound key reads only the keys it may manage: those bound to its agent. */
  async get(id: string): Promise<ApiKey> {
    const key = await this.keys.findOneBy({ id, tenantId: currentTenantId() });
    if (!key) throw notFound(id);
    const agentId = boundAgent();
    if (agentId !== null && key.agentId !== agentId) {
      throw new ForbiddenError(
        AuthErrorCode.AgentBindingRequired,
        GRANT_VIOLATION_MESSAGES[AuthErrorCode.AgentBindingRequired],
      );
    }
    return key;
  }

  /** Revokes at once, on every replica. Revoking twice is harmless. */
  async revoke(id: string): Promise<void> {
    await this.unitOfWork.run(async (tx) => {
      const key = await this.lockOwn(tx.manager, id);
      this.refuseManaged(key);
      refuseOutranking(key, 'manage');
      if (key.revokedAt) return;
      await tx.manager.update(ApiKey, { id }, { revokedAt: () => 'now()' });
      const revoked = await tx.manager.findOneByOrFail(ApiKey, { id });
      await this.audit.record(tx, {
        action: 'api_key.revoke',
        resource: { type: 'api_key', id },
        before: auditView(key),
        after: auditView(revoked),
        tenantId: key.tenantId,
      });
      await this.announce(tx, id);
    });
  }

  /**
   * Issues a successor with the same grants; the old key stays valid for `overlapSeconds`. A
   * revoked, expired or already rotated key is refused (409).
   */
  async rotate(id: string, overlapSeconds: number): Promise<IssuedApiKey> {
    return this.unitOfWork.run(async (tx) => {
      const old = await this.lockOwn(tx.manager, id);
      this.refuseManaged(old);
      refuseOutranking(old, 'manage');
      refuseOutliving(old.expiresAt, 'rotate');
      if (old.revokedAt) {
        throw new ConflictError(AuthErrorCode.ApiKeyRevoked, 'A revoked key cannot be rotated.');
      }
      // Rotated once, the key has a successor and lapses at the overlap's end: rotating it again
      // would issue a second successor with that end as its expiry and drop the first from the
      // chain. Its successor is the key to rotate.
      if (old.rotatedTo) {
        throw new ConflictError(
          AuthErrorCode.ApiKeyRotated,
          `This key was already rotated to ${old.rotatedTo}: rotate that key instead.`,
        );
      }
      if (old.expiresAt && old.expiresAt.getTime() <= Date.now()) {
        throw new ConflictError(
          AuthErrorCode.ApiKeyExpired,
          'An expired key cannot be rotated (its successor would be expired too): create a new key.',
        );
      }
      const issued = await this.insert(tx.manager, {
        tenantId: old.tenantId,
        name: old.name,
        scopes: old.scopes,
        agentId: old.agentId,
        expiresAt: old.expiresAt,
      });
      const overlapEnds = new Date(Date.now() + overlapSeconds * 1000);
      const expiresAt = old.expiresAt && old.expiresAt < overlapEnds ? old.expiresAt : overlapEnds;
      await tx.manager.update(ApiKey, { id }, { expiresAt, rotatedTo: issued.record.id });
      await this.audit.record(tx, {
        action: 'api_key.rotate',
        resource: { type: 'api_key', id },
        before: auditView(old),
        after: {
          ...auditView(old),
          expiresAt: expiresAt.toISOString(),
          rotatedTo: issued.record.id,
        },
        tenantId: old.tenantId,
      });
      // The successor's own history begins here, as a created key's does.
      await this.audit.record(tx, {
        action: 'api_key.create',
        resource: { type: 'api_key', id: issued.record.id },
        after: { ...auditView(issued.record), rotatedFrom: id },
        tenantId: old.tenantId,
      });
      await this.announce(tx, id);
      return issued;
    });
  }

  /** The admin key generated at this start (once: later calls answer undefined). */
  takeGeneratedAdminKey(): string | undefined {
    const key = this.generatedAdminKey;
    this.generatedAdminKey = undefined;
    return key;
  }

  /**
   * At start: ADMIN_API_KEY is always a valid platform admin of the default tenant; with none
   * set and no key in the database, one is generated and printed once.
   */
  async ensureAdminKey(configuredKey: string | undefined): Promise<void> {
    this.generatedAdminKey = undefined;
    await this.unitOfWork.run(async (tx) => {
      await tx.manager.query('SELECT pg_advisory_xact_lock($1)', [ADMIN_BOOTSTRAP_LOCK]);
      if (configuredKey) {
        await this.installManagedKey(tx, configuredKey);
        return;
      }
      const anyKey = await tx.manager.exists(ApiKey);
      if (!anyKey) {
        const issued = await this.insert(tx.manager, adminKeyFields());
        this.generatedAdminKey = issued.key;
        this.logger.warn(
          `No API key existed: generated an admin key for the default tenant. It is shown once: ${issued.key}`,
        );
      } else if (await tx.manager.existsBy(ApiKey, managedKeyWhere())) {
        this.logger.warn(
          'ADMIN_API_KEY is unset: the key it set before stays valid until revoked (DELETE /api-keys/{id}).',
        );
      }
    });
  }

  /**
   * Makes the configured key the one valid env-managed key: created or restored, and any key an
   * earlier value of ADMIN_API_KEY set is revoked. Each change is audited (except the first key
   * of a new installation); a restart with the same value changes nothing. Env-managed keys are told apart by their shown prefix, which is
   * the variable's name instead of the key's first characters (a short key would be guessable).
   */
  private async installManagedKey(tx: Transaction, configuredKey: string): Promise<void> {
    const wanted = { ...adminKeyFields(), prefix: MANAGED_KEY_PREFIX, revokedAt: null };
    const existing = await tx.manager.findOneBy(ApiKey, { keyHash: hashApiKey(configuredKey) });
    let currentId: string;
    if (!existing) {
      // The first key of a new installation is not audited, like a generated one.
      const installing = !(await tx.manager.exists(ApiKey));
      const { record } = await this.insertWithKey(tx.manager, configuredKey, wanted);
      currentId = record.id;
      if (!installing) {
        await this.audit.record(tx, {
          action: 'api_key.create',
          resource: { type: 'api_key', id: record.id },
          after: auditView(record),
          tenantId: record.tenantId,
        });
      }
    } else {
      currentId = existing.id;
      if (!sameManagedKey(existing)) {
        await tx.manager.update(ApiKey, { id: existing.id }, wanted);
        // A key set before prefixes were hidden only changes its label: nothing to audit.
        if (!sameManagedKey({ ...existing, prefix: MANAGED_KEY_PREFIX })) {
          const restored = await tx.manager.findOneByOrFail(ApiKey, { id: existing.id });
          await this.audit.record(tx, {
            action: 'api_key.restore',
            resource: { type: 'api_key', id: existing.id },
            before: auditView(existing),
            after: auditView(restored),
            tenantId: restored.tenantId,
          });
          await this.announce(tx, existing.id);
        }
      }
    }
    const previous = await tx.manager.find(ApiKey, {
      where: { ...managedKeyWhere(), id: Not(currentId) },
      lock: { mode: 'pessimistic_write' },
    });
    for (const key of previous) {
      await tx.manager.update(ApiKey, { id: key.id }, { revokedAt: () => 'now()' });
      const revoked = await tx.manager.findOneByOrFail(ApiKey, { id: key.id });
      await this.audit.record(tx, {
        action: 'api_key.revoke',
        resource: { type: 'api_key', id: key.id },
        before: auditView(key),
        after: auditView(revoked),
        tenantId: key.tenantId,
      });
      await this.announce(tx, key.id);
    }
    if (previous.length > 0) {
      this.logger.warn('ADMIN_API_KEY changed: revoked the key it set before.');
    }
  }

  private async insert(
    manager: EntityManager,
    fields: Pick<ApiKey, 'tenantId' | 'name' | 'scopes' | 'agentId' | 'expiresAt'>,
  ): Promise<IssuedApiKey> {
    return this.insertWithKey(manager, generateApiKey(), fields);
  }

  private async insertWithKey(
    manager: EntityManager,
    key: string,
    fields: Pick<ApiKey, 'tenantId' | 'name' | 'scopes' | 'agentId' | 'expiresAt'> &
      Partial<Pick<ApiKey, 'prefix'>>,
  ): Promise<IssuedApiKey> {
    const record = manager.create(ApiKey, {
      prefix: displayPrefix(key),
      ...fields,
      id: uuidv7(),
      keyHash: hashApiKey(key),
    });
    await manager.insert(ApiKey, record);
    return { record: await manager.findOneByOrFail(ApiKey, { id: record.id }), key };
  }

  private async lockOwn(manager: EntityManager, id: string): Promise<ApiKey> {
    const key = await manager.findOne(ApiKey, {
      where: { id, tenantId: currentTenantId() },
      lock: { mode: 'pessimistic_write' },
    });
    if (!key) throw notFound(id);
    return key;
  }

  private refuseManaged(key: ApiKey): void {
    if (this.adminKeyHash && key.keyHash === this.adminKeyHash) {
      throw new ConflictError(
        AuthErrorCode.ApiKeyManaged,
        'This key is set by ADMIN_API_KEY; change the variable instead.',
      );
    }
  }

  private async announce(tx: Transaction, keyId: string): Promise<void> {
    await this.notifications.notify(tx.manager, API_KEYS_CHANNEL, keyId);
    tx.afterCommit(() => this.cache.evictKey(keyId));
  }
}

/** What the audit trail keeps of a key: never the key, its hash or its prefix. */
function auditView(key: ApiKey) {
  const { prefix: _prefix, createdAt: _createdAt, ...kept } = ApiKeyDto.from(key);
  return kept;
}

/** The calling key may only create, rotate or revoke keys that grant no more than it holds. */
/** The agent the calling key is bound to, if it is. */
function boundAgent(): string | null {
  return requestContext.get()?.agentId ?? null;
}

function refuseOutranking(target: Grants, action: 'create' | 'manage'): void {
  const context = requestContext.require();
  const caller = { scopes: context.scopes ?? [], agentId: context.agentId ?? null };
  const violation = grantViolation(caller, target, action);
  if (violation) throw new ForbiddenError(violation, GRANT_VIOLATION_MESSAGES[violation]);
}

/**
 * A key that expires may create, or rotate, only keys that expire no later than it: otherwise a
 * short-lived credential (or one in its rotation's overlap) could hand itself a lasting one.
 * Rotating issues a new secret as long-lived as the key rotated, so it counts as creating one.
 */
function refuseOutliving(expiresAt: Date | null, action: 'create' | 'rotate'): void {
  const callerEnds = requestContext.require().apiKeyExpiresAt;
  if (callerEnds === undefined) return;
  if (expiresAt !== null && expiresAt.getTime() <= callerEnds) return;
  const ends = new Date(callerEnds).toISOString();
  throw new ForbiddenError(
    AuthErrorCode.ExpiryNotGrantable,
    action === 'create'
      ? `This key expires at ${ends}: a key it creates must expire no later (set expiresAt at or before ${ends}).`
      : `This key expires at ${ends}: it may rotate only keys that expire no later (the new secret would last as long as the key rotated).`,
  );
}

/** Shown instead of the first characters of a key that ADMIN_API_KEY set (and marks it). */
const MANAGED_KEY_PREFIX = 'ADMIN_API_KEY';

function managedKeyWhere() {
  return { prefix: MANAGED_KEY_PREFIX, revokedAt: IsNull() };
}

function sameManagedKey(key: ApiKey): boolean {
  const wanted = adminKeyFields();
  return (
    key.prefix === MANAGED_KEY_PREFIX &&
    key.revokedAt === null &&
    key.tenantId === wanted.tenantId &&
    key.name === wanted.name &&
    key.agentId === null &&
    key.expiresAt === null &&
    key.scopes.length === 1 &&
    key.scopes[0] === ADMIN_SCOPE
  );
}

function adminKeyFields() {
  return {
    tenantId: DEFAULT_TENANT_ID,
    name: ADMIN_KEY_NAME,
    scopes: [ADMIN_SCOPE],
    agentId: null,
    expiresAt: null,
  };
}

function isUsable(principal: Principal | null | undefined): principal is Principal {
  return !!principal && (principal.expiresAt === null || principal.expiresAt > Date.now());
}

function invalidKey(): UnauthorizedError {
  return new UnauthorizedError(
    AuthErrorCode.InvalidKey,
    'The API key is unknown, expired or revoked.',
  );
}

function notFound(id: string): NotFoundError {
  return new NotFoundError(AuthErrorCode.ApiKeyNotFound, `API key ${id} was not found.`);
}
