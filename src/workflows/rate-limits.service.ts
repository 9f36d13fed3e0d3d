import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { BadRequestError } from '../common/errors/domain-error';
import { currentTenantId } from '../common/context/request-context';
import { decodeCursor, Page, toPage } from '../common/pagination';
import { PgNotifications } from '../database/pg-notifications';
import { Transaction, UnitOfWork } from '../database/unit-of-work';
import { EventsService } from '../events/events.service';
import { RATE_LIMIT_KEY } from './dag';
import { CreateRateLimitDto, UpdateRateLimitDto } from './dto/rate-limit.dto';
import { LIMIT_TOKENS_SQL, SHARD_TOKENS_SQL, shardsFor } from './rate-limit-shards';
import { refillProblem } from './rate-limit-units';
import { TASKS_CHANNEL, taskSignal } from './workflow-rows';
import {
  RateLimitExistsError,
  RateLimitNotFoundError,
  WorkflowErrorCode,
} from './workflows.errors';

/** A rate limit as read: its bucket now, and how many ready tasks name it. */
export interface RateLimitRow {
  key: string;
  perMinute: number;
  burst: number;
  tokens: number;
  queued: number;
  createdAt: Date;
  updatedAt: Date;
}

type RateLimitChange = 'create' | 'update' | 'delete';

const COLUMNS = `l.key, l.per_minute AS "perMinute", l.burst, ${LIMIT_TOKENS_SQL} AS tokens,
  (SELECT count(*)::int FROM workflow_tasks w
    WHERE w.tenant_id = l.tenant_id AND w.status = 'queued' AND w.rate_limit_key = l.key
      AND w.available_at <= now()) AS queued,
  l.created_at AS "createdAt", l.updated_at AS "updatedAt"`;

/**
 * Rate limits shared by a tenant's fleet: token buckets, each split into sub-buckets
 * (rate-limit-shards.ts) that the claim statement refills and takes from (claim-statement.ts). Every change is audited and emitted; a change that may let
 * held-back tasks go (a new limit, a higher rate or burst) wakes the claims waiting for them.
 * Deleting a limit its steps still name leaves their tasks waiting until one of that key exists
 * again (a missing limit never means an unlimited one).
 */
@Injectable()
export class RateLimitsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: AuditService,
    private readonly events: EventsService,
    private readonly notifications: PgNotifications,
  ) {}

  async create(input: CreateRateLimitDto): Promise<RateLimitRow> {
    const tenantId = currentTenantId();
    const burst = input.burst ?? Math.max(1, input.perMinute);
    refusedRefill(input.perMinute, burst, 'perMinute');
    return this.unitOfWork.run(async (tx) => {
      const [created] = await tx.manager.query<Array<{ key: string }>>(
        `INSERT INTO rate_limits (tenant_id, key, per_minute, burst)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id, key) DO NOTHING RETURNING key`,
        [tenantId, input.key, input.perMinute, burst],
      );
      if (!created) throw new RateLimitExistsError(input.key);
      // A new bucket starts full.
      await this.reshard(tx, tenantId, input.key, { perMinute: input.perMinute, burst }, burst);
      const after = await this.read(tx.manager, tenantId, input.key);
      await this.changed(tx, 'create', null, after!);
      await this.wakeWaiting(tx, tenantId, input.key);
      return after!;
    });
  }

  async list(limit: number, cursor?: string): Promise<Page<RateLimitRow>> {
    const tenantId = currentTenantId();
    const after = decodeCursor(cursor, [RATE_LIMIT_KEY]);
    const rows = await this.dataSource.query<RateLimitRow[]>(
      `SELECT ${COLUMNS} FROM rate_limits l
        WHERE l.tenant_id = $1 AND ($2::varchar IS NULL OR l.key > $2)
        ORDER BY l.key LIMIT $3`,
      [tenantId, after ? after[0] : null, limit + 1],
    );
    return toPage(rows, limit, (row) => [row.key]);
  }

  async get(key: string): Promise<RateLimitRow> {
    if (!RATE_LIMIT_KEY.test(key)) throw new RateLimitNotFoundError(key.slice(0, 80));
    const row = await this.read(this.dataSource.manager, currentTenantId(), key);
    if (!row) throw new RateLimitNotFoundError(key);
    return row;
  }

  /**
   * A new rate or burst applies from now: the bucket is first refilled to now at the old rate,
   * then capped at the new burst (a smaller burst drops the excess; a larger one fills over
   * time). Its sub-buckets are locked (claims taking from them wait for this change, or are
   * waited for), counted, and laid out again for the new burst and rate, the content split
   * evenly between them.
   */
  async update(key: string, input: UpdateRateLimitDto): Promise<RateLimitRow> {
    return this.locked(key, async (tx, tenantId, before) => {
      const burst = input.burst ?? before.burst;
      const perMinute = input.perMinute ?? before.perMinute;
      refusedRefill(perMinute, burst, input.perMinute === undefined ? 'burst' : 'perMinute');
      // The content now; a sub-bucket a claim refilled later than this transaction began
      // counts as of then, and every sub-bucket restarts from the latest of those times (never
      // earning an interval twice).
      const [{ tokens, at }] = await tx.manager.query<Array<{ tokens: number; at: Date }>>(
        `SELECT coalesce(sum(available), 0) AS tokens, max(at) AS at
           FROM (SELECT ${SHARD_TOKENS_SQL} AS available, greatest(s.refilled_at, now()) AS at
                   FROM rate_limit_shards s
                  WHERE s.tenant_id = $1 AND s.key = $2
                  ORDER BY s.shard
                    FOR UPDATE) s`,
        [tenantId, key],
      );
      await tx.manager.query(
        `UPDATE rate_limits SET burst = $3, per_minute = $4, updated_at = now()
          WHERE tenant_id = $1 AND key = $2`,
        [tenantId, key, burst, perMinute],
      );
      await this.reshard(tx, tenantId, key, { perMinute, burst }, Math.min(burst, tokens), at);
      const after = (await this.read(tx.manager, tenantId, key))!;
      await this.changed(tx, 'update', before, after);
      if (after.perMinute > before.perMinute || after.burst > before.burst)
        await this.wakeWaiting(tx, tenantId, key);
      return after;
    });
  }

  async delete(key: string): Promise<void> {
    await this.locked(key, async (tx, tenantId, before) => {
      await tx.manager.query(`DELETE FROM rate_limits WHERE tenant_id = $1 AND key = $2`, [
        tenantId,
        key,
      ]);
      await this.changed(tx, 'delete', before, null);
    });
  }

  private async read(
    manager: EntityManager,
    tenantId: string,
    key: string,
  ): Promise<RateLimitRow | undefined> {
    const [row] = await manager.query<RateLimitRow[]>(
      `SELECT ${COLUMNS} FROM rate_limits l WHERE l.tenant_id = $1 AND l.key = $2`,
      [tenantId, key],
    );
    return row;
  }

  /**
   * The limit's sub-buckets for this burst and rate, holding `tokens` between them in equal
   * parts as of `at` (now when absent): those past the new count go, those missing are added,
   * the others are rewritten in place (so a claim waiting for one of them reads the new content).
   */
  private async reshard(
    tx: Transaction,
    tenantId: string,
    key: string,
    { perMinute, burst }: { perMinute: number; burst: number },
    tokens: number,
    at: Date | null = null,
  ): Promise<void> {
    const count = shardsFor(burst);
    await tx.manager.query(
      `DELETE FROM rate_limit_shards WHERE tenant_id = $1 AND key = $2 AND shard >= $3`,
      [tenantId, key, count],
    );
    await tx.manager.query(
      `INSERT INTO rate_limit_shards (tenant_id, key, shard, per_minute, burst, tokens, refilled_at)
       SELECT $1, $2, shard, $4::float8 / $3, $5::float8 / $3,
              least($5::float8 / $3, greatest(0, $6::float8) / $3), coalesce($7, now())
         FROM generate_series(0, $3::int - 1) AS shard
       ON CONFLICT (tenant_id, key, shard) DO UPDATE
          SET per_minute = excluded.per_minute, burst = excluded.burst, tokens = excluded.tokens,
              refilled_at = excluded.refilled_at`,
      [tenantId, key, count, perMinute, burst, tokens, at],
    );
  }

  /** The limit locked, against other changes (claims never lock it, only its sub-buckets). */
  private async locked<T>(
    key: string,
    work: (tx: Transaction, tenantId: string, before: RateLimitRow) => Promise<T>,
  ): Promise<T> {
    if (!RATE_LIMIT_KEY.test(key)) throw new RateLimitNotFoundError(key.slice(0, 80));
    const tenantId = currentTenantId();
    return this.unitOfWork.run(async (tx) => {
      const [row] = await tx.manager.query<RateLimitRow[]>(
        `SELECT ${COLUMNS} FROM rate_limits l WHERE l.tenant_id = $1 AND l.key = $2
            FOR UPDATE OF l`,
        [tenantId, key],
      );
      if (!row) throw new RateLimitNotFoundError(key);
      return work(tx, tenantId, row);
    });
  }

  /** Claims waiting for the skills of the tasks this limit holds back look again. */
  private async wakeWaiting(tx: Transaction, tenantId: string, key: string): Promise<void> {
    const skills = await tx.manager.query<Array<{ skill: string }>>(
      `SELECT DISTINCT skill FROM workflow_tasks
        WHERE tenant_id = $1 AND status = 'queued' AND rate_limit_key = $2`,
      [tenantId, key],
    );
    for (const { skill } of skills)
      this.notifications.notifyAfterCommit(tx, TASKS_CHANNEL, taskSignal(tenantId, skill));
  }

  private async changed(
    tx: Transaction,
    change: RateLimitChange,
    before: RateLimitRow | null,
    after: RateLimitRow | null,
  ): Promise<void> {
    const subject = (after ?? before)!;
    const state = (row: RateLimitRow | null) =>
      row === null ? undefined : { perMinute: row.perMinute, burst: row.burst };
    await this.audit.record(tx, {
      action: `rate_limit.${change}`,
      resource: { type: 'rate_limit', id: subject.key },
      before: state(before),
      after: state(after),
    });
    await this.events.emit(tx, {
      type: `rate_limit.${change === 'create' ? 'created' : change === 'update' ? 'updated' : 'deleted'}`,
      subject: { type: 'rate_limit', id: subject.key },
      data: { key: subject.key, ...state(after ?? before) },
    });
  }
}

/** A limit whose whole burst would take more than ten years to refill is refused (400). */
function refusedRefill(perMinute: number, burst: number, field: 'perMinute' | 'burst'): void {
  const problem = refillProblem(perMinute, burst);
  if (problem === undefined) return;
  throw new BadRequestError(WorkflowErrorCode.InvalidRateLimit, 'The rate limit is too slow.', [
    { field, message: problem },
  ]);
}
