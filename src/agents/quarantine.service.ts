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
import { AgentErrorCode, AgentNotFoundError, AgentSkillNotFoundError } from './agents.errors';
import { AGENTS_CHANNEL } from './discovery-cache';
import { OUTCOME_EVENTS } from './leaderboard.service';
import {
  DEFAULT_ROUTING_POLICY,
  RoutingPolicy,
  RoutingSettingsService,
} from './routing-settings.service';
import { agentSignal, TASKS_CHANNEL } from '../workflows/workflow-rows';
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

type Thresholds = Pick<RoutingPolicy, 'quarantineThreshold' | 'quarantineMinSamples'>;

const keyOf = (row: Ended) => [row.tenant_id, row.agent_id, row.skill_id];

interface Figures {
  lowerBound: number;
  successes: number;
  samples: number;
}

/** Why a deferred quarantine ended (`agent.quarantine.deferral_ended`). */
export type DeferralEnd = 'quarantined' | 'not_warranted' | 'operator' | 'skill_gone';

const RELEASE_BATCH = 500;
const REVIEW_BATCH = 1_000;

/**
 * Whether an agent other than `$agent` of tenant `$tenant` can take `$skill`'s tasks: online
 * (not degraded, draining or offline), having the skill, not quarantined from it. An agent whose
 * quarantine is deferred counts: it still works the skill.
 */
const COVERED = (tenant: string, agent: string, skill: string) => `EXISTS (
  SELECT 1 FROM agent_skills cs
    JOIN agents ca ON ca.tenant_id = cs.tenant_id AND ca.id = cs.agent_id
   WHERE cs.tenant_id = ${tenant} AND cs.skill_id = ${skill} AND cs.agent_id <> ${agent}
     AND ca.status = 'online'
     AND NOT EXISTS (SELECT 1 FROM agent_quarantines cq
                      WHERE cq.tenant_id = cs.tenant_id AND cq.agent_id = cs.agent_id
                        AND cq.skill_id = cs.skill_id AND cq.until > now()))`;

/** The figures of a window of outcomes, and whether they warrant a quarantine under `policy`. */
function judged(recent: boolean[], policy: Thresholds) {
  const samples = recent.length;
  const successes = recent.filter(Boolean).length;
  const lowerBound = wilsonLowerBound(successes, samples);
  const warranted =
    samples >= policy.quarantineMinSamples && lowerBound < policy.quarantineThreshold;
  return { figures: { lowerBound, successes, samples }, warranted };
}

/**
 * Quarantine: an agent whose Wilson lower bound for a skill, over its latest outcomes for it
 * (`agent_skill_outcomes`, at most the tenant's outcomeWindow), falls under the tenant's
 * quarantineThreshold with at least quarantineMinSamples outcomes gets none of that skill's
 * tasks (the dispatch profile leaves the skill out) until its cool-down passes or an operator
 * releases it. Outcomes arrive as the workflows module's task events, in the dispatcher's
 * transaction, so the completion path itself pays nothing. Either way a release empties the
 * agent's outcomes for the skill: it starts a fresh window instead of being judged again, at
 * once, on the outcomes that quarantined it.
 *
 * Never the last healthy agent of a skill: when no other agent of the tenant can take the
 * skill's tasks (see COVERED), the quarantine is deferred instead (`agent_quarantine_deferrals`,
 * `agent.quarantine.deferred`) and reviewed every second by the sweeper: quarantined once
 * another agent covers the skill, dropped once its outcomes no longer warrant it. Every decision
 * for a (tenant, skill) takes that pair's transaction-scoped advisory lock first, so two
 * replicas judging two agents of one skill at once decide one after the other, each seeing what
 * the other committed: they never both quarantine.
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
    await this.releaseLapsed(tx, rows);
    const updated = await tx.manager.query<Array<Ended & { recent: boolean[] }>>(
      `INSERT INTO agent_skill_outcomes AS o (tenant_id, agent_id, skill_id, recent)
       SELECT r.tenant_id, r.agent_id, r.skill_id,
              (SELECT array_agg(c = 't' ORDER BY i) FROM unnest(string_to_array(r.outcomes, NULL))
                 WITH ORDINALITY AS x(c, i) WHERE i > length(r.outcomes) - r.size)
         FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::text[], $5::int[])
              WITH ORDINALITY AS r(tenant_id, agent_id, skill_id, outcomes, size, n)
        -- An agent that no longer has the skill (deregistered, or registered again without
        -- it since the task) keeps no window for it (see skillsGone). The agent's row, then
        -- the skill's, are locked: a change of the agent's skills under way is waited for
        -- and then seen (the skill's row gone, no window is written); read unlocked, the
        -- skill was seen still there, the window's row the change deleted waited for, and a
        -- new one written. The agent's row first, as every change of its skills takes it
        -- first, so the two cannot deadlock over two skills of one agent.
        WHERE EXISTS (SELECT 1 FROM agents a
                        JOIN agent_skills s ON s.tenant_id = a.tenant_id AND s.agent_id = a.id
                       WHERE a.tenant_id = r.tenant_id AND a.id = r.agent_id
                         AND s.skill_id = r.skill_id
                         FOR KEY SHARE OF a, s)
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
    const due = updated
      .map((row) => ({ row, ...judged(row.recent, policies.get(row.tenant_id)!) }))
      // Only a failure can lower the bound (a success entering cannot).
      .filter(({ row, warranted }) => warranted && failed.has(JSON.stringify(keyOf(row))));
    if (due.length === 0) return;
    await this.lockSkills(
      tx,
      due.map(({ row }) => row),
    );
    for (const { row, figures } of due) {
      await this.decide(tx, row, figures, policies.get(row.tenant_id)!);
    }
  }

  /**
   * The quarantines of these windows whose cool-down has passed and that the sweep has not
   * released yet are released now (reason `cooldown`, their windows emptied), before the
   * outcomes join the windows: an outcome after the cool-down starts a fresh window, as it would
   * have a moment later, instead of being judged with the outcomes that quarantined the agent
   * (which restarted the quarantine without ever releasing it). Each quarantine's row is
   * locked before its window's, as the sweep takes them, and in key order among themselves.
   */
  private async releaseLapsed(tx: Transaction, windows: Array<{ key: string[] }>) {
    const [ended] = await tx.manager.query<[Ended[], number]>(
      `DELETE FROM agent_quarantines q
        USING (SELECT l.tenant_id, l.agent_id, l.skill_id FROM agent_quarantines l
                WHERE (l.tenant_id, l.agent_id, l.skill_id) IN
                      (SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[]))
                  AND l.until <= now()
                ORDER BY l.tenant_id, l.agent_id, l.skill_id
                  FOR UPDATE) lapsed
        WHERE q.tenant_id = lapsed.tenant_id AND q.agent_id = lapsed.agent_id
          AND q.skill_id = lapsed.skill_id
      RETURNING q.tenant_id, q.agent_id, q.skill_id`,
      [windows.map((w) => w.key[0]), windows.map((w) => w.key[1]), windows.map((w) => w.key[2])],
    );
    await this.released(tx, ended, 'cooldown');
  }

  /**
   * Takes the advisory lock of each (tenant, skill) pair, in one order (of the locks' keys), so
   * two transactions taking several cannot deadlock on them. Held until the transaction ends.
   */
  private async lockSkills(tx: Transaction, pairs: Array<Pick<Ended, 'tenant_id' | 'skill_id'>>) {
    await tx.manager.query(
      `SELECT pg_advisory_xact_lock(k)
         FROM (SELECT DISTINCT hashtextextended(json_build_array('agent_quarantine', t, s)::text, 0) AS k
                 FROM unnest($1::varchar[], $2::varchar[]) AS p(t, s)
                ORDER BY k) keys`,
      [pairs.map((p) => p.tenant_id), pairs.map((p) => p.skill_id)],
    );
  }

  /**
   * An agent whose outcomes warrant a quarantine for a skill, under that skill's lock: left
   * alone when already quarantined; quarantined when another agent covers the skill (ending a
   * deferral it had); else deferred (recorded once, its figures kept up to date).
   */
  private async decide(
    tx: Transaction,
    who: Ended,
    figures: Figures,
    policy: RoutingPolicy,
  ): Promise<'quarantined' | 'deferred' | 'skill gone'> {
    const [state] = await tx.manager.query<
      Array<{ quarantined: boolean; covered: boolean; has_skill: boolean }>
    >(
      `SELECT EXISTS (SELECT 1 FROM agent_quarantines q
                       WHERE q.tenant_id = $1 AND q.agent_id = $2 AND q.skill_id = $3
                         AND q.until > now()) AS quarantined,
              ${COVERED('$1', '$2', '$3')} AS covered,
              EXISTS (SELECT 1 FROM agent_skills s
                       WHERE s.tenant_id = $1 AND s.agent_id = $2 AND s.skill_id = $3) AS has_skill`,
      [who.tenant_id, who.agent_id, who.skill_id],
    );
    // Read under the skill's lock, which skillsGone takes too: an agent that lost the skill since
    // its outcome was recorded is neither quarantined from it nor deferred.
    if (!state.has_skill) return 'skill gone';
    if (state.quarantined || state.covered) {
      if (!state.quarantined) await this.quarantine(tx, who, figures, policy);
      await this.endDeferrals(tx, [who], 'quarantined');
      return 'quarantined';
    }
    const [deferral] = await tx.manager.query<Array<{ inserted: boolean }>>(
      `INSERT INTO agent_quarantine_deferrals AS d (tenant_id, agent_id, skill_id, since,
         lower_bound, successes, samples)
       VALUES ($1, $2, $3, date_trunc('milliseconds', now()), $4, $5, $6)
       ON CONFLICT (tenant_id, agent_id, skill_id) DO UPDATE SET
         lower_bound = excluded.lower_bound, successes = excluded.successes,
         samples = excluded.samples
       RETURNING (xmax = 0) AS inserted`,
      [
        who.tenant_id,
        who.agent_id,
        who.skill_id,
        figures.lowerBound,
        figures.successes,
        figures.samples,
      ],
    );
    if (!deferral.inserted) return 'deferred';
    const data = {
      agentId: who.agent_id,
      skill: who.skill_id,
      ...figures,
      threshold: policy.quarantineThreshold,
      reason: 'last_healthy_agent',
    };
    await this.announce(tx, 'agent.quarantine.defer', 'agent.quarantine.deferred', [
      { tenantId: who.tenant_id, agentId: who.agent_id, data },
    ]);
    return 'deferred';
  }

  /** Drops these agents' deferrals (those that exist): audited, `agent.quarantine.deferral_ended`. */
  private async endDeferrals(tx: Transaction, who: Ended[], reason: DeferralEnd): Promise<Ended[]> {
    if (who.length === 0) return [];
    const [ended] = await tx.manager.query<[Ended[], number]>(
      `DELETE FROM agent_quarantine_deferrals d
         USING unnest($1::varchar[], $2::varchar[], $3::varchar[]) AS e(tenant_id, agent_id, skill_id)
        WHERE d.tenant_id = e.tenant_id AND d.agent_id = e.agent_id AND d.skill_id = e.skill_id
       RETURNING d.tenant_id, d.agent_id, d.skill_id`,
      [who.map((e) => e.tenant_id), who.map((e) => e.agent_id), who.map((e) => e.skill_id)],
    );
    await this.deferralsEnded(tx, ended, reason);
    return ended;
  }

  private async deferralsEnded(tx: Transaction, ended: Ended[], reason: DeferralEnd) {
    await this.announce(
      tx,
      'agent.quarantine.deferral_end',
      'agent.quarantine.deferral_ended',
      ended.map((row) => ({
        tenantId: row.tenant_id,
        agentId: row.agent_id,
        before: { deferred: row.skill_id },
        data: { agentId: row.agent_id, skill: row.skill_id, reason },
      })),
    );
  }

  /** Each change audited and emitted as an event of its agent; discovery told after commit. */
  private async announce(
    tx: Transaction,
    action: string,
    eventType: string,
    changes: Array<{
      tenantId: string;
      agentId: string;
      before?: Record<string, unknown>;
      data: Record<string, unknown>;
    }>,
  ) {
    for (const { tenantId, agentId, before, data } of changes) {
      const resource = { type: 'agent', id: agentId };
      await this.audit.record(tx, {
        action,
        resource,
        ...(before ? { before } : {}),
        after: data,
        tenantId,
      });
      await this.events.emit(tx, { type: eventType, subject: resource, data, tenantId });
    }
    for (const tenantId of new Set(changes.map((change) => change.tenantId)))
      this.notifications.notifyAfterCommit(tx, AGENTS_CHANNEL, tenantId);
  }

  /**
   * Reviews deferred quarantines (any tenant; the sweeper, every second, on every worker
   * replica): one read of them all, then, for each (tenant, skill) where something changed (the
   * skill is covered now, the agent's outcomes no longer warrant a quarantine, the agent lost
   * the skill), a transaction under that skill's lock that decides again on what it reads then.
   * How many deferrals it ended.
   */
  async reviewDeferrals(): Promise<number> {
    const rows = await this.dataSource.query<
      Array<Ended & { recent: boolean[] | null; has_skill: boolean; covered: boolean } & Thresholds>
    >(
      `SELECT d.tenant_id, d.agent_id, d.skill_id, o.recent,
              EXISTS (SELECT 1 FROM agent_skills s
                       WHERE s.tenant_id = d.tenant_id AND s.agent_id = d.agent_id
                         AND s.skill_id = d.skill_id) AS has_skill,
              ${COVERED('d.tenant_id', 'd.agent_id', 'd.skill_id')} AS covered,
              coalesce(r.quarantine_threshold, $1) AS "quarantineThreshold",
              coalesce(r.quarantine_min_samples, $2) AS "quarantineMinSamples"
         FROM agent_quarantine_deferrals d
         LEFT JOIN agent_skill_outcomes o ON o.tenant_id = d.tenant_id
              AND o.agent_id = d.agent_id AND o.skill_id = d.skill_id
         LEFT JOIN routing_settings r ON r.tenant_id = d.tenant_id
        ORDER BY d.tenant_id, d.skill_id, d.agent_id
        LIMIT ${REVIEW_BATCH}`,
      [DEFAULT_ROUTING_POLICY.quarantineThreshold, DEFAULT_ROUTING_POLICY.quarantineMinSamples],
    );
    const due = new Map<string, Pick<Ended, 'tenant_id' | 'skill_id'>>();
    for (const row of rows) {
      if (row.has_skill && !row.covered && judged(row.recent ?? [], row).warranted) continue;
      due.set(JSON.stringify([row.tenant_id, row.skill_id]), row);
    }
    let ended = 0;
    for (const pair of due.values()) {
      ended += await this.unitOfWork.run((tx) => this.reviewSkill(tx, pair));
    }
    return ended;
  }

  /** The deferrals of one (tenant, skill), decided again under its lock. */
  private async reviewSkill(tx: Transaction, pair: Pick<Ended, 'tenant_id' | 'skill_id'>) {
    await this.lockSkills(tx, [pair]);
    const policy = await this.settings.of(pair.tenant_id, tx.manager);
    const rows = await tx.manager.query<
      Array<Ended & { recent: boolean[] | null; has_skill: boolean }>
    >(
      `SELECT d.tenant_id, d.agent_id, d.skill_id, o.recent,
              EXISTS (SELECT 1 FROM agent_skills s
                       WHERE s.tenant_id = d.tenant_id AND s.agent_id = d.agent_id
                         AND s.skill_id = d.skill_id) AS has_skill
         FROM agent_quarantine_deferrals d
         LEFT JOIN agent_skill_outcomes o ON o.tenant_id = d.tenant_id
              AND o.agent_id = d.agent_id AND o.skill_id = d.skill_id
        WHERE d.tenant_id = $1 AND d.skill_id = $2
        ORDER BY d.agent_id
          -- Held while deciding: an operator's release (which drops the deferral first) waits,
          -- and then releases what was decided; one that came first left nothing to decide on.
          FOR UPDATE OF d`,
      [pair.tenant_id, pair.skill_id],
    );
    let ended = 0;
    for (const row of rows) {
      const { figures, warranted } = judged(row.recent ?? [], policy);
      const who = { tenant_id: row.tenant_id, agent_id: row.agent_id, skill_id: row.skill_id };
      if (!row.has_skill) {
        ended += (await this.endDeferrals(tx, [who], 'skill_gone')).length;
      } else if (!warranted) {
        ended += (await this.endDeferrals(tx, [who], 'not_warranted')).length;
      } else if ((await this.decide(tx, who, figures, policy)) === 'quarantined') {
        ended += 1;
      }
    }
    return ended;
  }

  /** Quarantines the agent from the skill (under the skill's lock; see decide). */
  private async quarantine(tx: Transaction, who: Ended, figures: Figures, policy: RoutingPolicy) {
    const { lowerBound, successes, samples } = figures;
    // A live quarantine is left alone. One past its cool-down is released before an outcome
    // joins its window (see releaseLapsed); should one be met here still, it starts again.
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
    await this.announce(tx, 'agent.quarantine', 'agent.quarantined', [
      { tenantId: who.tenant_id, agentId: who.agent_id, data },
    ]);
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
      if (skill !== undefined) {
        // A skill it has nothing of (a typo) is a 404, not the empty answer of "not quarantined".
        const [known] = await tx.manager.query<Array<{ known: boolean }>>(
          `SELECT EXISTS (SELECT 1 FROM agent_skills
                           WHERE tenant_id = $1 AND agent_id = $2 AND skill_id = $3)
               OR EXISTS (SELECT 1 FROM agent_quarantines
                           WHERE tenant_id = $1 AND agent_id = $2 AND skill_id = $3)
               OR EXISTS (SELECT 1 FROM agent_quarantine_deferrals
                           WHERE tenant_id = $1 AND agent_id = $2 AND skill_id = $3) AS known`,
          [tenantId, agentId, skill],
        );
        if (!known.known) throw new AgentSkillNotFoundError(agentId, skill);
      }
      // A deferred quarantine is dropped too, its outcomes emptied alike: the operator vouches
      // for the agent, which must not be quarantined later on the outcomes they dismissed. The
      // deferrals first: a review of them that is deciding holds them (see reviewSkill), and
      // once it has committed, the quarantine it may have made is there to be ended below.
      // DELETE ... RETURNING: TypeORM answers [rows, count].
      const [dropped] = await tx.manager.query<[Ended[], number]>(
        `DELETE FROM agent_quarantine_deferrals
          WHERE tenant_id = $1 AND agent_id = $2 AND ($3::varchar IS NULL OR skill_id = $3)
        RETURNING tenant_id, agent_id, skill_id`,
        [tenantId, agentId, skill ?? null],
      );
      const [ended] = await tx.manager.query<[Ended[], number]>(
        `DELETE FROM agent_quarantines
          WHERE tenant_id = $1 AND agent_id = $2 AND ($3::varchar IS NULL OR skill_id = $3)
        RETURNING tenant_id, agent_id, skill_id`,
        [tenantId, agentId, skill ?? null],
      );
      await this.released(tx, ended, 'operator');
      await this.emptyWindows(tx, dropped);
      await this.deferralsEnded(tx, dropped, 'operator');
      return [...new Set([...ended, ...dropped].map((row) => row.skill_id))].sort();
    });
  }

  /**
   * Ends quarantines whose cool-down has passed (any tenant); how many it ended. It waits for no
   * row: a quarantine another transaction holds is left to the next round, and so is one whose
   * outcome window is held. Recording an outcome holds its window, then (judging it) takes the
   * quarantine; a sweep holding the quarantine and waiting for the window deadlocked with it.
   */
  async releaseExpired(): Promise<number> {
    return this.unitOfWork.run(async (tx) => {
      const due = await tx.manager.query<Ended[]>(
        `SELECT tenant_id, agent_id, skill_id FROM agent_quarantines
          WHERE until <= now() ORDER BY until LIMIT ${RELEASE_BATCH}
            FOR UPDATE SKIP LOCKED`,
      );
      if (due.length === 0) return 0;
      const keys = [
        due.map((row) => row.tenant_id),
        due.map((row) => row.agent_id),
        due.map((row) => row.skill_id),
      ];
      // Their windows that exist, and those of them this transaction could lock.
      const windows = `SELECT o.tenant_id, o.agent_id, o.skill_id FROM agent_skill_outcomes o
          JOIN unnest($1::varchar[], $2::varchar[], $3::varchar[])
               AS d(tenant_id, agent_id, skill_id)
            ON o.tenant_id = d.tenant_id AND o.agent_id = d.agent_id AND o.skill_id = d.skill_id`;
      const existing = await tx.manager.query<Ended[]>(windows, keys);
      const locked = await tx.manager.query<Ended[]>(
        `${windows} ORDER BY o.tenant_id, o.agent_id, o.skill_id FOR UPDATE OF o SKIP LOCKED`,
        keys,
      );
      const id = (row: Ended) => JSON.stringify([row.tenant_id, row.agent_id, row.skill_id]);
      const free = new Set(locked.map(id));
      const held = new Set(existing.map(id).filter((key) => !free.has(key)));
      const releasable = due.filter((row) => !held.has(id(row)));
      if (releasable.length === 0) return 0;
      const [ended] = await tx.manager.query<[Ended[], number]>(
        `DELETE FROM agent_quarantines q
          USING unnest($1::varchar[], $2::varchar[], $3::varchar[])
                AS r(tenant_id, agent_id, skill_id)
          WHERE q.tenant_id = r.tenant_id AND q.agent_id = r.agent_id AND q.skill_id = r.skill_id
        RETURNING q.tenant_id, q.agent_id, q.skill_id`,
        [
          releasable.map((row) => row.tenant_id),
          releasable.map((row) => row.agent_id),
          releasable.map((row) => row.skill_id),
        ],
      );
      await this.released(tx, ended, 'cooldown');
      return ended.length;
    });
  }

  /**
   * The agent no longer has the skills it had but `kept` (`lost`; every one when `kept` is
   * empty: it is deregistered), in the transaction of that change: its quarantines from them end
   * (`agent.released`, reason `skill_gone`) and its outcome windows for them go. A quarantine
   * outlived its agent: registered again under the same id, or given the skill back, it was
   * still held from the skill and judged on outcomes that were not its own. A deferred
   * quarantine ends on its own (`skill_gone`, see reviewDeferrals), its window gone.
   */
  async skillsGone(
    tx: Transaction,
    tenantId: string,
    agentId: string,
    lost: string[],
    kept: string[],
  ) {
    // Windows first, then the skills' locks: the order in which recording an outcome takes
    // them (its window's row, then the lock to judge it), so the two cannot deadlock. Under the
    // locks, a judgement under way has committed its quarantine (ended here) or will find the
    // skill gone (see decide).
    await tx.manager.query(
      `DELETE FROM agent_skill_outcomes
        WHERE tenant_id = $1 AND agent_id = $2 AND skill_id <> ALL($3::varchar[])`,
      [tenantId, agentId, kept],
    );
    if (lost.length > 0) {
      await this.lockSkills(
        tx,
        lost.map((skill) => ({ tenant_id: tenantId, skill_id: skill })),
      );
    }
    const [ended] = await tx.manager.query<[Ended[], number]>(
      `DELETE FROM agent_quarantines
        WHERE tenant_id = $1 AND agent_id = $2 AND skill_id <> ALL($3::varchar[])
      RETURNING tenant_id, agent_id, skill_id`,
      [tenantId, agentId, kept],
    );
    await this.released(tx, ended, 'skill_gone');
  }

  private async released(
    tx: Transaction,
    ended: Ended[],
    reason: 'cooldown' | 'operator' | 'skill_gone',
  ) {
    if (ended.length === 0) return;
    await this.emptyWindows(tx, ended);
    // Its claims that wait (a quarantined agent long-polls) look again: they waited for none of
    // the skills it was quarantined from, and no task is queued to wake them.
    const agents = new Set(ended.map((row) => agentSignal(row.tenant_id, row.agent_id)));
    for (const signal of agents) this.notifications.notifyAfterCommit(tx, TASKS_CHANNEL, signal);
    await this.announce(
      tx,
      'agent.release',
      'agent.released',
      ended.map((row) => ({
        tenantId: row.tenant_id,
        agentId: row.agent_id,
        before: { quarantined: row.skill_id },
        data: { agentId: row.agent_id, skill: row.skill_id, reason },
      })),
    );
  }

  /** Empties these agents' outcomes for these skills: each starts a fresh window. */
  private async emptyWindows(tx: Transaction, who: Ended[]) {
    if (who.length === 0) return;
    await tx.manager.query(
      `UPDATE agent_skill_outcomes o SET recent = '{}'
         FROM unnest($1::varchar[], $2::varchar[], $3::varchar[]) AS e(tenant_id, agent_id, skill_id)
        WHERE o.tenant_id = e.tenant_id AND o.agent_id = e.agent_id AND o.skill_id = e.skill_id`,
      [who.map((e) => e.tenant_id), who.map((e) => e.agent_id), who.map((e) => e.skill_id)],
    );
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
