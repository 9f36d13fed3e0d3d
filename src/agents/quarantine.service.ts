import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { currentTenantId, requestContext } from '../common/context/request-context';
import { ForbiddenError } from '../common/errors/domain-error';
import { PgNotifications } from '../database/pg-notifications';
import { Transaction, UnitOfWork } from '../database/unit-of-work';
import { DomainEvent } from '../events/domain-event';
import { EventDispatcher } from '../events/event-dispatcher';
import { EventsService } from '../events/events.service';
import { AgentErrorCode, AgentNotFoundError } from './agents.errors';
import { AGENTS_CHANNEL } from './discovery-cache';
import { OUTCOME_EVENTS } from './leaderboard.service';
import { RoutingPolicy, RoutingSettingsService } from './routing-settings.service';
import { wilsonLowerBound } from './wilson';

/** A waiting agent's record for a skill, for outcome routing to draw among. */
export interface RoutingCandidate {
  id: string;
  successes: number;
  failures: number;
}

interface Ended {
  tenant_id: string;
  agent_id: string;
  skill_id: string;
}

const RELEASE_BATCH = 500;

/**
 * Quarantine: an agent whose Wilson lower bound for a skill, over its latest outcomes for it
 * (`agent_skill_outcomes`, at most the tenant's outcomeWindow), falls under the tenant's
 * quarantineThreshold with at least quarantineMinSamples outcomes gets none of that skill's
 * tasks (the dispatch profile leaves the skill out) until its cool-down passes or an operator
 * releases it. Outcomes arrive as the workflows module's task events, in the dispatcher's
 * transaction, so the completion path itself pays nothing. Either way a release empties the
 * agent's outcomes for the skill: it starts a fresh window instead of being judged again, at
 * once, on the outcomes that quarantined it.
 */
@Injectable()
export class QuarantineService implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: AuditService,
    private readonly events: EventsService,
    private readonly notifications: PgNotifications,
    private readonly dispatcher: EventDispatcher,
    private readonly settings: RoutingSettingsService,
  ) {}

  onModuleInit(): void {
    this.dispatcher.subscribe({
      name: 'agent-quarantine',
      types: OUTCOME_EVENTS,
      handle: (tx, events) => this.record(tx, events),
    });
  }

  /** Appends each outcome to its agent's window for the skill, then judges those that failed. */
  async record(tx: Transaction, events: DomainEvent[]): Promise<void> {
    const windows = new Map<string, { key: string[]; outcomes: string; failed: boolean }>();
    for (const event of events) {
      const { agentId, skill } = event.data;
      if (!event.tenantId || typeof agentId !== 'string' || typeof skill !== 'string') continue;
      const key = [event.tenantId, agentId, skill.slice(0, 64)];
      const id = JSON.stringify(key);
      const window = windows.get(id) ?? { key, outcomes: '', failed: false };
      const succeeded = event.type === 'task.succeeded';
      window.outcomes += succeeded ? 't' : 'f';
      window.failed ||= !succeeded;
      windows.set(id, window);
    }
    if (windows.size === 0) return;
    // In key order, one statement, so two replicas recording at once cannot deadlock.
    const rows = [...windows.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, w]) => w);
    const policies = new Map<string, RoutingPolicy>();
    for (const { key } of rows) {
      if (!policies.has(key[0])) policies.set(key[0], await this.settings.of(key[0], tx.manager));
    }
    const updated = await tx.manager.query<Array<Ended & { recent: boolean[] }>>(
      `INSERT INTO agent_skill_outcomes AS o (tenant_id, agent_id, skill_id, recent)
       SELECT r.tenant_id, r.agent_id, r.skill_id,
              (SELECT array_agg(c = 't' ORDER BY i) FROM unnest(string_to_array(r.outcomes, NULL))
                 WITH ORDINALITY AS x(c, i) WHERE i > length(r.outcomes) - r.size)
         FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::text[], $5::int[])
              WITH ORDINALITY AS r(tenant_id, agent_id, skill_id, outcomes, size, n)
        ORDER BY r.n
       ON CONFLICT (tenant_id, agent_id, skill_id) DO UPDATE SET recent =
         (o.recent || excluded.recent)[greatest(1, cardinality(o.recent || excluded.recent)
                                                   - (SELECT s.size FROM unnest($1::varchar[],
                                                        $2::varchar[], $3::varchar[], $5::int[])
                                                        AS s(t, a, k, size)
                                                       WHERE s.t = o.tenant_id AND s.a = o.agent_id
                                                         AND s.k = o.skill_id LIMIT 1) + 1):]
       RETURNING o.tenant_id, o.agent_id, o.skill_id, o.recent`,
      [
        rows.map((w) => w.key[0]),
        rows.map((w) => w.key[1]),
        rows.map((w) => w.key[2]),
        rows.map((w) => w.outcomes),
        rows.map((w) => policies.get(w.key[0])!.outcomeWindow),
      ],
    );
    const failed = new Set(rows.filter((w) => w.failed).map((w) => JSON.stringify(w.key)));
    for (const row of updated) {
      // Only a failure can lower the bound (a success entering cannot).
      if (!failed.has(JSON.stringify([row.tenant_id, row.agent_id, row.skill_id]))) continue;
      await this.judge(tx, row, row.recent, policies.get(row.tenant_id)!);
    }
  }

  private async judge(tx: Transaction, who: Ended, recent: boolean[], policy: RoutingPolicy) {
    const samples = recent.length;
    const successes = recent.filter(Boolean).length;
    const lowerBound = wilsonLowerBound(successes, samples);
    if (samples < policy.quarantineMinSamples || !(lowerBound < policy.quarantineThreshold)) return;
    // A live quarantine is left alone; one past its cool-down (not yet released) starts again.
    const [row] = await tx.manager.query<Array<{ until: Date }>>(
      `INSERT INTO agent_quarantines AS q (tenant_id, agent_id, skill_id, since, until,
         lower_bound, successes, samples)
       VALUES ($1, $2, $3, date_trunc('milliseconds', now()),
               date_trunc('milliseconds', now()) + make_interval(secs => $4), $5, $6, $7)
       ON CONFLICT (tenant_id, agent_id, skill_id) DO UPDATE SET
         since = excluded.since, until = excluded.until, lower_bound = excluded.lower_bound,
         successes = excluded.successes, samples = excluded.samples
         WHERE q.until <= now()
       RETURNING q.until`,
      [
        who.tenant_id,
        who.agent_id,
        who.skill_id,
        policy.quarantineCooldownSeconds,
        lowerBound,
        successes,
        samples,
      ],
    );
    if (!row) return;
    const data = {
      agentId: who.agent_id,
      skill: who.skill_id,
      until: new Date(row.until).toISOString(),
      lowerBound,
      successes,
      samples,
      threshold: policy.quarantineThreshold,
    };
    await this.audit.record(tx, {
      action: 'agent.quarantine',
      resource: { type: 'agent', id: who.agent_id },
      after: data,
      tenantId: who.tenant_id,
    });
    await this.events.emit(tx, {
      type: 'agent.quarantined',
      subject: { type: 'agent', id: who.agent_id },
      data,
      tenantId: who.tenant_id,
    });
    this.notifications.notifyAfterCommit(tx, AGENTS_CHANNEL, who.tenant_id);
  }

  /**
   * POST /agents/{id}/release: ends the agent's quarantine for `skill`, or for every skill.
   * An operator's act: an agent's own key may not release it (403).
   */
  async release(agentId: string, skill: string | undefined): Promise<string[]> {
    if (requestContext.get()?.agentId !== undefined) {
      throw new ForbiddenError(
        AgentErrorCode.OperatorOnly,
        "An agent's key cannot release a quarantine; an operator's key (agents:write) can.",
      );
    }
    const tenantId = currentTenantId();
    return this.unitOfWork.run(async (tx) => {
      const [agent] = await tx.manager.query<unknown[]>(
        `SELECT 1 FROM agents WHERE tenant_id = $1 AND id = $2`,
        [tenantId, agentId],
      );
      if (!agent) throw new AgentNotFoundError(agentId);
      // DELETE ... RETURNING: TypeORM answers [rows, count].
      const [ended] = await tx.manager.query<[Ended[], number]>(
        `DELETE FROM agent_quarantines
          WHERE tenant_id = $1 AND agent_id = $2 AND ($3::varchar IS NULL OR skill_id = $3)
        RETURNING tenant_id, agent_id, skill_id`,
        [tenantId, agentId, skill ?? null],
      );
      await this.released(tx, ended, 'operator');
      return ended.map((row) => row.skill_id).sort();
    });
  }

  /** Ends quarantines whose cool-down has passed (any tenant); how many it ended. */
  async releaseExpired(): Promise<number> {
    return this.unitOfWork.run(async (tx) => {
      const [ended] = await tx.manager.query<[Ended[], number]>(
        `DELETE FROM agent_quarantines q
          USING (SELECT tenant_id, agent_id, skill_id FROM agent_quarantines
                  WHERE until <= now() ORDER BY until LIMIT ${RELEASE_BATCH}
                    FOR UPDATE SKIP LOCKED) due
          WHERE q.tenant_id = due.tenant_id AND q.agent_id = due.agent_id
            AND q.skill_id = due.skill_id
        RETURNING q.tenant_id, q.agent_id, q.skill_id`,
      );
      await this.released(tx, ended, 'cooldown');
      return ended.length;
    });
  }

  private async released(tx: Transaction, ended: Ended[], reason: 'cooldown' | 'operator') {
    if (ended.length === 0) return;
    await tx.manager.query(
      `UPDATE agent_skill_outcomes o SET recent = '{}'
         FROM unnest($1::varchar[], $2::varchar[], $3::varchar[]) AS e(tenant_id, agent_id, skill_id)
        WHERE o.tenant_id = e.tenant_id AND o.agent_id = e.agent_id AND o.skill_id = e.skill_id`,
      [ended.map((e) => e.tenant_id), ended.map((e) => e.agent_id), ended.map((e) => e.skill_id)],
    );
    for (const row of ended) {
      const data = { agentId: row.agent_id, skill: row.skill_id, reason };
      await this.audit.record(tx, {
        action: 'agent.release',
        resource: { type: 'agent', id: row.agent_id },
        before: { quarantined: row.skill_id },
        after: data,
        tenantId: row.tenant_id,
      });
      await this.events.emit(tx, {
        type: 'agent.released',
        subject: { type: 'agent', id: row.agent_id },
        data,
        tenantId: row.tenant_id,
      });
    }
    for (const tenantId of new Set(ended.map((e) => e.tenant_id)))
      this.notifications.notifyAfterCommit(tx, AGENTS_CHANNEL, tenantId);
  }

  /**
   * Of these agents, those that may be offered a task of `skill` now (known, not draining or
   * offline, having the skill, not quarantined from it), each with its latest outcomes for it.
   */
  async candidates(
    tx: Transaction,
    tenantId: string,
    skill: string,
    agentIds: string[],
  ): Promise<RoutingCandidate[]> {
    if (agentIds.length === 0) return [];
    return tx.manager.query<RoutingCandidate[]>(
      `SELECT a.id,
              coalesce((SELECT count(*) FILTER (WHERE x) FROM unnest(o.recent) x), 0)::int
                AS successes,
              coalesce((SELECT count(*) FILTER (WHERE NOT x) FROM unnest(o.recent) x), 0)::int
                AS failures
         FROM agents a
         JOIN agent_skills s ON s.tenant_id = a.tenant_id AND s.agent_id = a.id AND s.skill_id = $2
         LEFT JOIN agent_skill_outcomes o
           ON o.tenant_id = a.tenant_id AND o.agent_id = a.id AND o.skill_id = $2
        WHERE a.tenant_id = $1 AND a.id = ANY($3::varchar[])
          AND a.status NOT IN ('draining', 'offline')
          AND NOT EXISTS (SELECT 1 FROM agent_quarantines q
                           WHERE q.tenant_id = a.tenant_id AND q.agent_id = a.id
                             AND q.skill_id = $2 AND q.until > now())
        ORDER BY a.id`,
      [tenantId, skill, agentIds],
    );
  }

  /** The reservation window of the tenant's outcome-routed tasks. */
  async reservationMs(tx: Transaction, tenantId: string): Promise<number> {
    return (await this.settings.of(tenantId, tx.manager)).reservationMs;
  }
}
