import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { currentTenantId } from '../common/context/request-context';
import { BadRequestError } from '../common/errors/domain-error';
import { UnitOfWork } from '../database/unit-of-work';
import { AgentErrorCode } from './agents.errors';
import { UpdateRoutingSettingsDto } from './dto/routing-settings.dto';

export interface RoutingPolicy {
  quarantineThreshold: number;
  quarantineMinSamples: number;
  outcomeWindow: number;
  quarantineCooldownSeconds: number;
  reservationMs: number;
  updatedAt: Date | null;
}

/**
 * The policy of a tenant that never set one (docs/routing.md gives the reasoning). Quarantine is
 * on: an agent is quarantined from a skill when, over at least 20 of its latest outcomes for it,
 * the Wilson lower bound of its success rate is under 0.2 (at most 7 successes in 20, 15 in 50):
 * a broken agent goes at its 20th failure, one succeeding 80% of the time has under a 1
 * chance in 50,000 per 20 outcomes; for 15 minutes, then it starts afresh. Never the last agent that can
 * take a skill's tasks (it is deferred instead). Outcomes are kept for outcome routing either
 * way. A drawn agent has a second to take its task.
 */
export const DEFAULT_ROUTING_POLICY: RoutingPolicy = {
  quarantineThreshold: 0.2,
  quarantineMinSamples: 20,
  outcomeWindow: 50,
  quarantineCooldownSeconds: 900,
  reservationMs: 1000,
  updatedAt: null,
};

const COLUMNS = `quarantine_threshold AS "quarantineThreshold",
  quarantine_min_samples AS "quarantineMinSamples", outcome_window AS "outcomeWindow",
  quarantine_cooldown_seconds AS "quarantineCooldownSeconds", reservation_ms AS "reservationMs",
  updated_at AS "updatedAt"`;

/** Per tenant quarantine and routing settings (`routing_settings`), defaults when unset. */
@Injectable()
export class RoutingSettingsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: AuditService,
  ) {}

  async of(tenantId: string, manager: EntityManager = this.dataSource.manager) {
    const [row] = await manager.query<RoutingPolicy[]>(
      `SELECT ${COLUMNS} FROM routing_settings WHERE tenant_id = $1`,
      [tenantId],
    );
    return row ?? DEFAULT_ROUTING_POLICY;
  }

  /** PATCH: the fields given replace the current ones; the result must hold together. */
  async update(input: UpdateRoutingSettingsDto): Promise<RoutingPolicy> {
    const tenantId = currentTenantId();
    return this.unitOfWork.run(async (tx) => {
      await tx.manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
        `routing_settings:${tenantId}`,
      ]);
      const before = await this.of(tenantId, tx.manager);
      const given = Object.entries(input).filter(([, value]) => value !== undefined);
      const next: RoutingPolicy = { ...before, ...Object.fromEntries(given) };
      if (next.outcomeWindow < next.quarantineMinSamples) {
        throw new BadRequestError(
          AgentErrorCode.InvalidRoutingSettings,
          'The outcome window cannot be shorter than the samples a quarantine needs.',
          [
            {
              field: input.outcomeWindow !== undefined ? 'outcomeWindow' : 'quarantineMinSamples',
              message: `outcomeWindow (${next.outcomeWindow}) must be at least quarantineMinSamples (${next.quarantineMinSamples})`,
            },
          ],
        );
      }
      const [after] = await tx.manager.query<RoutingPolicy[]>(
        `INSERT INTO routing_settings AS s (tenant_id, quarantine_threshold, quarantine_min_samples,
           outcome_window, quarantine_cooldown_seconds, reservation_ms)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (tenant_id) DO UPDATE SET
           quarantine_threshold = excluded.quarantine_threshold,
           quarantine_min_samples = excluded.quarantine_min_samples,
           outcome_window = excluded.outcome_window,
           quarantine_cooldown_seconds = excluded.quarantine_cooldown_seconds,
           reservation_ms = excluded.reservation_ms, updated_at = now()
         RETURNING ${COLUMNS}`,
        [
          tenantId,
          next.quarantineThreshold,
          next.quarantineMinSamples,
          next.outcomeWindow,
          next.quarantineCooldownSeconds,
          next.reservationMs,
        ],
      );
      await this.audit.record(tx, {
        action: 'routing.settings.update',
        resource: { type: 'routing_settings', id: tenantId },
        before: view(before),
        after: view(after),
      });
      return after;
    });
  }
}

function view(policy: RoutingPolicy) {
  const { updatedAt: _updatedAt, ...rest } = policy;
  return rest;
}
