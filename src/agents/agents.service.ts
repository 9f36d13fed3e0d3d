import { isDeepStrictEqual } from 'node:util';
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  PreconditionFailedError,
} from '../common/errors/domain-error';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { currentTenantId, requestContext } from '../common/context/request-context';
import { decodeCursor, Page, toPage } from '../common/pagination';
import { AuditService } from '../audit/audit.service';
import { preparedQuery } from '../database/prepared';
import { ReadRouter } from '../database/read-router';
import { Transaction, UnitOfWork } from '../database/unit-of-work';
import { PgNotifications } from '../database/pg-notifications';
import { EventsService } from '../events/events.service';
import { AGENTS_CHANNEL, DiscoveryCache, discoveryScope } from './discovery-cache';
import { AgentErrorCode, AgentNotFoundError } from './agents.errors';
import { AgentDto } from './dto/agent.dto';
import { AGENT_ID_PATTERN, AgentRegistrationDto, SkillDto } from './dto/register-agent.dto';
import { AgentSkill } from './entities/agent-skill.entity';
import { QuarantineService } from './quarantine.service';
import { AgentDepartures } from './agent-departures';
import { HeartbeatWriter } from './heartbeat-writer';
import {
  Agent,
  AgentQuarantineDeferralView,
  AgentQuarantineView,
  AgentStatus,
} from './entities/agent.entity';

export const DEFAULT_HEARTBEAT_SECONDS = 10;

const ISO_UTC = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/** An agent of `agents a` as JSON in AgentDto's shape (skills in code-unit order of their ids). */
const AGENT_JSON = `json_build_object(
  'id', a.id, 'name', a.name, 'description', a.description, 'endpoint', a.endpoint,
  'version', a.version,
  'skills', coalesce((
    SELECT json_agg(json_build_object('id', s.skill_id, 'name', s.name,
                                      'description', s.description, 'tags', s.tags,
                                      'examples', s.examples) ORDER BY s.skill_id COLLATE "C")
      FROM agent_skills s WHERE s.tenant_id = a.tenant_id AND s.agent_id = a.id), '[]'::json),
  'labels', a.labels, 'status', a.status,
  'quarantines', coalesce((
    SELECT json_agg(json_build_object('skill', q.skill_id,
                                      'since', to_char(q.since AT TIME ZONE 'UTC', ${ISO_UTC}),
                                      'until', to_char(q.until AT TIME ZONE 'UTC', ${ISO_UTC}),
                                      'lowerBound', q.lower_bound, 'successes', q.successes,
                                      'samples', q.samples) ORDER BY q.skill_id COLLATE "C")
      FROM agent_quarantines q
     WHERE q.tenant_id = a.tenant_id AND q.agent_id = a.id AND q.until > now()), '[]'::json),
  'quarantineDeferrals', coalesce((
    SELECT json_agg(json_build_object('skill', d.skill_id,
                                      'since', to_char(d.since AT TIME ZONE 'UTC', ${ISO_UTC}),
                                      'lowerBound', d.lower_bound, 'successes', d.successes,
                                      'samples', d.samples, 'reason', 'last_healthy_agent')
                    ORDER BY d.skill_id COLLATE "C")
      FROM agent_quarantine_deferrals d
     WHERE d.tenant_id = a.tenant_id AND d.agent_id = a.id), '[]'::json),
  'heartbeatIntervalSeconds', a.heartbeat_interval_seconds,
  'inFlight', a.in_flight, 'load', a.load,
  'lastHeartbeatAt', to_char(a.last_heartbeat_at AT TIME ZONE 'UTC', ${ISO_UTC}),
  'createdAt', to_char(a.created_at AT TIME ZONE 'UTC', ${ISO_UTC}),
  'updatedAt', to_char(a.updated_at AT TIME ZONE 'UTC', ${ISO_UTC}))`;

/**
 * What task dispatch needs to know of agent $2 of tenant $1, as the body of a CTE: its status,
 * the ids of the skills it may be given work of, and how many it is quarantined from (see
 * quarantine.service.ts: one primary-key probe per skill); no row when there is no such agent.
 * The claim statement embeds it, so a claim reads the agent in its own round trip.
 *
 * The agent's row is read FOR KEY SHARE, which orders a claim and the agent's deregistration:
 * a claim that read it first commits before the DELETE (FOR UPDATE) goes on, and the DELETE's
 * release takes back what it leased; one that comes to it while a DELETE holds it waits, and
 * then finds no agent (the row is read again once the DELETE committed). Read as the claim's
 * snapshot alone, a claim that began before the DELETE committed leased tasks to the gone agent
 * after its release had run. Heartbeats and other changes that keep the row take FOR NO KEY
 * UPDATE, which does not wait for it.
 */
export const DISPATCH_PROFILE_SQL = `
  SELECT a.status,
         coalesce(array_agg(s.skill_id) FILTER (WHERE s.skill_id IS NOT NULL AND q.skill_id IS NULL),
                  '{}') AS skills,
         count(q.skill_id)::int AS quarantined
    FROM (SELECT tenant_id, id, status FROM agents
           WHERE tenant_id = $1 AND id = $2 FOR KEY SHARE) a
    LEFT JOIN agent_skills s ON s.tenant_id = a.tenant_id AND s.agent_id = a.id
    LEFT JOIN agent_quarantines q ON q.tenant_id = s.tenant_id AND q.agent_id = s.agent_id
                                 AND q.skill_id = s.skill_id AND q.until > now()
   GROUP BY a.status`;

/** Domain event (`agent.<key>`) → audit action of the same change. */
const AUDIT_ACTIONS = {
  registered: 'agent.register',
  updated: 'agent.update',
  deregistered: 'agent.deregister',
  offline: 'agent.offline',
  online: 'agent.status',
  status_changed: 'agent.status',
} as const;

export interface AgentFilters {
  skill?: string;
  tag?: string;
  status?: AgentStatus;
  q?: string;
}

export type Registration = AgentRegistrationDto & { id: string };

type SkillRow = Pick<
  AgentSkill,
  'skillId' | 'name' | 'nameKey' | 'description' | 'tags' | 'examples'
>;

@Injectable()
export class AgentsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: AuditService,
    private readonly events: EventsService,
    private readonly notifications: PgNotifications,
    private readonly discoveryCache: DiscoveryCache,
    private readonly beats: HeartbeatWriter,
    private readonly reads: ReadRouter,
    private readonly quarantines: QuarantineService,
    private readonly departures: AgentDepartures,
  ) {}

  /** POST /agents: 409 when the id is taken in this tenant. */
  async register(input: Registration): Promise<Agent> {
    const tenantId = currentTenantId();
    this.assertActsAs(input.id);
    const skills = normaliseSkills(input.skills);
    return this.unitOfWork.run(async (tx) => {
      const agent = await this.create(tx, tenantId, input, skills);
      if (!agent) {
        throw new ConflictError(AgentErrorCode.Exists, `Agent "${input.id}" already exists.`);
      }
      return agent;
    });
  }

  /** PUT /agents/{id}: what an agent does on every boot. Counts as a heartbeat. */
  async upsert(input: Registration, ifMatch?: string): Promise<{ agent: Agent; created: boolean }> {
    const tenantId = currentTenantId();
    this.assertActsAs(input.id);
    const skills = normaliseSkills(input.skills);
    return this.unitOfWork.run(async (tx) => {
      const { manager } = tx;
      let current = await this.lock(manager, tenantId, input.id);
      while (!current) {
        // If-Match, `*` included, needs a current version to match (RFC 9110): none is a 412.
        if (ifMatch !== undefined) throw etagMismatch();
        const agent = await this.create(tx, tenantId, input, skills);
        if (agent) return { agent, created: true };
        // Another request created it since our read: update that one, or, deleted again since
        // (a DELETE racing both), create it after all. Each turn follows another client's
        // commit, never a spin of our own.
        current = await this.lock(manager, tenantId, input.id);
      }
      if (ifMatch !== undefined && ifMatch !== '*' && ifMatch !== etagOf(current))
        throw etagMismatch();
      // What it was: the row just locked, with its skills.
      await this.attachSkills(manager, tenantId, [current]);
      const before = auditView(current);
      await manager.update(
        Agent,
        { tenantId, id: input.id },
        {
          ...registrationFields(input),
          status: current.status === 'offline' ? 'online' : current.status,
          lastHeartbeatAt: () => 'now()',
        },
      );
      await this.replaceSkills(tx, tenantId, input.id, skills);
      const agent = await this.load(manager, tenantId, input.id);
      // The same registration again is a beat, not a change: no new revision (ETag), no entry.
      const after = auditView(agent);
      if (!isDeepStrictEqual({ ...before, status: null }, { ...after, status: null })) {
        const [[bumped]] = await manager.query<[Array<Pick<Agent, 'revision' | 'updatedAt'>>]>(
          `UPDATE agents SET revision = revision + 1, updated_at = now()
            WHERE tenant_id = $1 AND id = $2 RETURNING revision, updated_at AS "updatedAt"`,
          [tenantId, input.id],
        );
        Object.assign(agent, bumped);
        await this.changed(tx, 'updated', input.id, { before, after });
      }
      // Registering counts as a beat: an offline agent is back.
      if (current.status === 'offline') {
        await this.changed(tx, 'online', input.id, {
          before: { status: 'offline' },
          after: { status: 'online' },
        });
      }
      return { agent, created: false };
    });
  }

  async get(id: string): Promise<Agent> {
    return this.load(this.dataSource.manager, currentTenantId(), id);
  }

  /**
   * Discovery: keyset pages by id, one statement. With `skill`, the page is driven from the
   * skill indexes of agent_skills ((tenant, skill_id, agent_id) and (tenant, name_key,
   * agent_id)), each read in id order and stopped at the page size, so the cost follows the page,
   * not the number of agents. PostgreSQL renders each agent as JSON (the shape of AgentDto,
   * which a test holds equal to GET /agents/{id}), so no row is parsed and re-serialised here.
   */
  async list(filters: AgentFilters, limit: number, cursor?: string): Promise<Page<string>> {
    const after = decodeCursor(cursor, [AGENT_ID_PATTERN])?.[0] as string | undefined;
    const tenantId = currentTenantId();
    const key = JSON.stringify([
      filters.skill,
      filters.tag,
      filters.status,
      filters.q,
      limit,
      after,
    ]);
    return this.discoveryCache.page(tenantId, key, () =>
      this.discover(tenantId, filters, limit, after),
    );
  }

  private async discover(
    tenantId: string,
    filters: AgentFilters,
    limit: number,
    after: string | undefined,
  ): Promise<Page<string>> {
    const params: unknown[] = [tenantId, limit + 1];
    const param = (value: unknown) => `$${params.push(value)}`;
    const agentFilters: string[] = [];
    if (after !== undefined) agentFilters.push(`a.id > ${param(after)}`);
    if (filters.status) agentFilters.push(`a.status = ${param(filters.status)}`);
    if (filters.q) {
      const q = param(`%${filters.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      agentFilters.push(`(a.name ILIKE ${q} ESCAPE '\\' OR a.description ILIKE ${q} ESCAPE '\\')`);
    }
    if (filters.tag) {
      agentFilters.push(
        `EXISTS (SELECT 1 FROM agent_skills t WHERE t.tenant_id = a.tenant_id AND t.agent_id = a.id
            AND t.tags @> ARRAY[${param(filters.tag)}]::text[])`,
      );
    }
    const and = agentFilters.map((filter) => ` AND ${filter}`).join('');
    let page: string;
    if (filters.skill) {
      const bySkill = (column: string, value: string) => `
        (SELECT a.id FROM agent_skills s
           JOIN agents a ON a.tenant_id = s.tenant_id AND a.id = s.agent_id
          WHERE s.tenant_id = $1 AND s.${column} = ${param(value)}${and}
          ORDER BY s.agent_id LIMIT $2)`;
      page = `SELECT id FROM (${bySkill('skill_id', filters.skill)} UNION
                              ${bySkill('name_key', filters.skill.toLowerCase())}) m
              ORDER BY id LIMIT $2`;
    } else {
      page = `SELECT a.id FROM agents a WHERE a.tenant_id = $1${and} ORDER BY a.id LIMIT $2`;
    }
    const rows = await this.reads.read(
      (source) =>
        preparedQuery<{ id: string; json: string }>(
          source,
          `SELECT a.id, ${AGENT_JSON}::text AS json
             FROM agents a
            WHERE a.tenant_id = $1 AND a.id IN (${page})
            ORDER BY a.id`,
          params,
        ),
      discoveryScope(tenantId),
    );
    const { items, nextCursor } = toPage(rows, limit, (row) => [row.id]);
    return { items: items.map((row) => row.json), nextCursor };
  }

  /** DELETE /agents/{id}: the agent and its skills go; 404 when it is not there. */
  async deregister(id: string): Promise<void> {
    const tenantId = currentTenantId();
    this.assertActsAs(id);
    await this.unitOfWork.run(async (tx) => {
      if (!(await this.lock(tx.manager, tenantId, id, 'pessimistic_write'))) {
        throw new AgentNotFoundError(id);
      }
      const before = auditView(await this.load(tx.manager, tenantId, id));
      await tx.manager.delete(Agent, { tenantId, id });
      await this.quarantines.skillsGone(
        tx,
        tenantId,
        id,
        (before.skills ?? []).map((skill) => skill.id),
        [],
      );
      await this.changed(tx, 'deregistered', id, { before });
      // Its tasks are released before the 204 (the workflows module does it).
      // The clock now, not the transaction's start: a claim that began after this transaction
      // and committed before this point is released too.
      const [{ now }] = await tx.manager.query<Array<{ now: Date }>>(
        `SELECT clock_timestamp() AS now`,
      );
      await this.departures.departed(tx, { tenantId, agentId: id, goneAt: now });
    });
  }

  /**
   * The hottest path. A beat that keeps the status joins the others of the next flush (see
   * HeartbeatWriter): no transaction of ours, no audit entry, answered once written. A beat
   * the flush did not write changes the status (healthy → online, degraded, draining, or back
   * from offline) or names no agent: it takes the row lock in its own transaction, at once,
   * and writes its audit entry and event with it: `agent.online` when it comes back online,
   * else `agent.status_changed`.
   */
  // (TypeORM answers an UPDATE ... RETURNING as [rows, rowCount].)
  async heartbeat(
    id: string,
    beat: { status: 'healthy' | 'degraded' | 'draining'; inFlight?: number; load?: number },
  ): Promise<{ status: AgentStatus; nextHeartbeatSeconds: number }> {
    this.assertActsAs(id);
    const tenantId = currentTenantId();
    const status: AgentStatus = beat.status === 'healthy' ? 'online' : beat.status;
    const inFlight = beat.inFlight ?? null;
    const load = beat.load ?? null;
    const interval = await this.beats.write({ tenantId, id, status, inFlight, load });
    if (interval !== undefined) return { status, nextHeartbeatSeconds: interval };
    const params = [tenantId, id, status, inFlight, load];
    return this.unitOfWork.run(async (tx) => {
      const [changed]: [Array<{ before: AgentStatus; heartbeat_interval_seconds: number }>] =
        await tx.manager.query(
          `UPDATE agents a SET status = $3, in_flight = $4, load = $5, last_heartbeat_at = now(),
                updated_at = now()
           FROM (SELECT tenant_id, id, status FROM agents
                  WHERE tenant_id = $1 AND id = $2 FOR NO KEY UPDATE) old
          WHERE a.tenant_id = old.tenant_id AND a.id = old.id
          RETURNING old.status AS before, a.heartbeat_interval_seconds`,
          params,
        );
      if (changed.length === 0) throw new AgentNotFoundError(id);
      const { before, heartbeat_interval_seconds: interval } = changed[0];
      if (before !== status) {
        await this.changed(tx, status === 'online' ? 'online' : 'status_changed', id, {
          before: { status: before },
          after: { status },
        });
      }
      return { status, nextHeartbeatSeconds: interval };
    });
  }

  /**
   * Of these skill ids, those an agent of the current tenant has registered: one that has it
   * now, or one that has run tasks of it (its outcomes are kept after it deregistered).
   */
  async registeredSkills(skills: string[]): Promise<Set<string>> {
    if (skills.length === 0) return new Set();
    const rows = await this.dataSource.query<Array<{ skill: string }>>(
      `SELECT skill_id AS skill FROM agent_skills WHERE tenant_id = $1 AND skill_id = ANY($2)
       UNION
       SELECT DISTINCT skill_id FROM agent_task_stats WHERE tenant_id = $1 AND skill_id = ANY($2)`,
      [currentTenantId(), skills],
    );
    return new Set(rows.map((row) => row.skill));
  }

  /**
   * A claim counts as a beat for an agent marked offline: it is online again, audited as a
   * beat that brings it back would be. False when it was not offline (another claim or beat
   * already brought it back, or it is draining).
   */
  async comeBackOnline(id: string): Promise<boolean> {
    const tenantId = currentTenantId();
    return this.unitOfWork.run(async (tx) => {
      const [rows]: [Array<{ id: string }>] = await tx.manager.query(
        `UPDATE agents SET status = 'online', last_heartbeat_at = now(), updated_at = now()
          WHERE tenant_id = $1 AND id = $2 AND status = 'offline'
          RETURNING id`,
        [tenantId, id],
      );
      if (rows.length === 0) return false;
      await this.changed(tx, 'online', id, {
        before: { status: 'offline' },
        after: { status: 'online' },
      });
      return true;
    });
  }

  /**
   * Marks agents silent for three intervals offline. One statement, safe on N replicas at once:
   * a row already offline is not matched again. It reads every agent that is not offline (a
   * heartbeat's column is not indexed, so beats stay HOT updates): in table order, not key
   * order, which costs a third less at 100,000 agents.
   */
  async sweepSilentAgents(): Promise<Array<{ tenantId: string; id: string }>> {
    return this.unitOfWork.run(async (tx) => {
      const [rows]: [Array<{ tenant_id: string; id: string; before: AgentStatus }>] =
        await tx.manager.query(
          `UPDATE agents a SET status = 'offline', updated_at = now()
           FROM (SELECT tenant_id, id, status FROM agents
                  WHERE status <> 'offline'
                    AND last_heartbeat_at < now() - heartbeat_interval_seconds * interval '3 seconds'
                  LIMIT 1000 FOR NO KEY UPDATE SKIP LOCKED) silent
          WHERE a.tenant_id = silent.tenant_id AND a.id = silent.id
          RETURNING a.tenant_id, a.id, silent.status AS before`,
        );
      for (const row of rows) {
        await this.changed(tx, 'offline', row.id, {
          before: { status: row.before },
          after: { status: 'offline' },
          tenantId: row.tenant_id,
        });
      }
      return rows.map((row) => ({ tenantId: row.tenant_id, id: row.id }));
    });
  }

  /**
   * The audit entry (an action: `agent.register`) and the domain event (what happened:
   * `agent.registered`) of one change, in its transaction.
   */
  private async changed(
    tx: Transaction,
    change: keyof typeof AUDIT_ACTIONS,
    id: string,
    detail: { before?: unknown; after?: unknown; tenantId?: string },
  ): Promise<void> {
    await this.audit.record(tx, {
      action: AUDIT_ACTIONS[change],
      resource: agentRef(id),
      ...detail,
    });
    await this.events.emit(tx, {
      type: `agent.${change}`,
      subject: agentRef(id),
      data: { agentId: id, before: detail.before ?? null, after: detail.after ?? null },
      tenantId: detail.tenantId,
    });
    // Discovery pages of the tenant go, on every replica, once this commits.
    this.notifications.notifyAfterCommit(tx, AGENTS_CHANNEL, detail.tenantId ?? currentTenantId());
  }

  /** An agent key may only act as its own agent (403). */
  assertActsAs(id: string): void {
    const agentId = requestContext.get()?.agentId;
    if (agentId !== undefined && agentId !== id) {
      throw new ForbiddenError(
        AgentErrorCode.NotThisAgent,
        `This key may only act as agent "${agentId}".`,
      );
    }
  }

  /** Inserts the agent, its skills and its audit entry; undefined when the id is taken. */
  private async create(
    tx: Transaction,
    tenantId: string,
    input: Registration,
    skills: SkillRow[],
  ): Promise<Agent | undefined> {
    if (ROUTE_NAMES.has(input.id)) {
      throw new BadRequestError(
        AgentErrorCode.InvalidAgentId,
        `"${input.id}" names a route of /agents, not an agent.`,
        [{ field: 'id', message: `id must not be ${[...ROUTE_NAMES].join(' or ')}` }],
      );
    }
    if (!(await this.insertAgent(tx.manager, tenantId, input))) return undefined;
    // A new agent under an id used before is judged on its own outcomes: what an earlier agent
    // of that id left (its deregistration ends it all; this is for what came after it, a late
    // outcome's window) goes.
    await this.quarantines.skillsGone(tx, tenantId, input.id, [], []);
    await this.replaceSkills(tx, tenantId, input.id, skills);
    const agent = await this.load(tx.manager, tenantId, input.id);
    await this.changed(tx, 'registered', input.id, { after: auditView(agent) });
    return agent;
  }

  private async insertAgent(
    manager: EntityManager,
    tenantId: string,
    input: Registration,
  ): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .insert()
      .into(Agent)
      .values({
        tenantId,
        id: input.id,
        ...registrationFields(input),
        status: 'online',
        lastHeartbeatAt: () => 'now()',
      })
      .orIgnore()
      .execute();
    return (result.raw as unknown[]).length > 0;
  }

  /** The agent's skills, replaced; what it had of the skills it lost ends (skillsGone). */
  private async replaceSkills(
    tx: Transaction,
    tenantId: string,
    agentId: string,
    skills: SkillRow[],
  ): Promise<void> {
    const { manager } = tx;
    const kept = skills.map((skill) => skill.skillId);
    // Only the skills it lost are deleted; those it keeps are updated where they changed (an
    // agent re-registering as it restarts writes nothing). A kept skill's row stays: recording
    // an outcome locks that row (QuarantineService.record), and would find it gone, and drop
    // the outcome, if it were deleted and inserted again.
    // DELETE ... RETURNING: TypeORM answers [rows, count].
    const [lost] = await manager.query<[Array<{ skill: string }>, number]>(
      `DELETE FROM agent_skills WHERE tenant_id = $1 AND agent_id = $2
          AND skill_id <> ALL($3::varchar[])
       RETURNING skill_id AS skill`,
      [tenantId, agentId, kept],
    );
    if (skills.length > 0) {
      await manager.upsert(
        AgentSkill,
        skills.map((skill) => ({ ...skill, tenantId, agentId })),
        { conflictPaths: ['tenantId', 'agentId', 'skillId'], skipUpdateIfNoValuesChanged: true },
      );
    }
    const gone = lost.map((row) => row.skill);
    if (gone.length > 0) await this.quarantines.skillsGone(tx, tenantId, agentId, gone, kept);
  }

  /**
   * The agent, locked against other changes of it: FOR NO KEY UPDATE for a change that keeps
   * it (claims, which read it FOR KEY SHARE, go on meanwhile), FOR UPDATE for its deletion.
   */
  private lock(
    manager: EntityManager,
    tenantId: string,
    id: string,
    mode: 'for_no_key_update' | 'pessimistic_write' = 'for_no_key_update',
  ): Promise<Agent | null> {
    return manager.findOne(Agent, { where: { tenantId, id }, lock: { mode } });
  }

  private async load(manager: EntityManager, tenantId: string, id: string): Promise<Agent> {
    const agent = await manager.findOneBy(Agent, { tenantId, id });
    if (!agent) throw new AgentNotFoundError(id);
    await this.attachSkills(manager, tenantId, [agent]);
    return agent;
  }

  private async attachSkills(
    manager: EntityManager,
    tenantId: string,
    agents: Agent[],
  ): Promise<void> {
    if (agents.length === 0) return;
    const skills = await manager.findBy(AgentSkill, {
      tenantId,
      agentId: In(agents.map((agent) => agent.id)),
    });
    for (const agent of agents) agent.skills = skills.filter((skill) => skill.agentId === agent.id);
    const quarantines = await manager.query<Array<AgentQuarantineView & { agentId: string }>>(
      `SELECT agent_id AS "agentId", skill_id AS skill, since, until, lower_bound AS "lowerBound",
              successes, samples
         FROM agent_quarantines
        WHERE tenant_id = $1 AND agent_id = ANY($2::varchar[]) AND until > now()
        ORDER BY skill_id COLLATE "C"`,
      [tenantId, agents.map((agent) => agent.id)],
    );
    const deferrals = await manager.query<Array<AgentQuarantineDeferralView & { agentId: string }>>(
      `SELECT agent_id AS "agentId", skill_id AS skill, since, lower_bound AS "lowerBound",
              successes, samples
         FROM agent_quarantine_deferrals
        WHERE tenant_id = $1 AND agent_id = ANY($2::varchar[])
        ORDER BY skill_id COLLATE "C"`,
      [tenantId, agents.map((agent) => agent.id)],
    );
    for (const agent of agents) {
      agent.quarantines = quarantines
        .filter((row) => row.agentId === agent.id)
        .map(({ agentId: _agentId, ...view }) => view);
      agent.quarantineDeferrals = deferrals
        .filter((row) => row.agentId === agent.id)
        .map(({ agentId: _agentId, ...view }) => view);
    }
  }
}

function agentRef(id: string) {
  return { type: 'agent', id };
}

/** What the audit trail keeps of an agent: its registration, not its liveness counters. */
function auditView(agent: Agent) {
  const dto = AgentDto.from(agent);
  return {
    id: dto.id,
    name: dto.name,
    description: dto.description,
    endpoint: dto.endpoint,
    version: dto.version,
    skills: dto.skills,
    labels: dto.labels,
    heartbeatIntervalSeconds: dto.heartbeatIntervalSeconds,
    status: dto.status,
  };
}

export function etagOf(agent: Agent): string {
  return `"${agent.revision}"`;
}

function etagMismatch(): PreconditionFailedError {
  return new PreconditionFailedError(
    AgentErrorCode.EtagMismatch,
    'If-Match does not match the current ETag.',
  );
}

function registrationFields(input: AgentRegistrationDto): QueryDeepPartialEntity<Agent> {
  return {
    name: input.name,
    description: input.description ?? null,
    endpoint: input.endpoint ?? null,
    version: input.version ?? null,
    labels: (input.labels ?? {}) as QueryDeepPartialEntity<Agent>['labels'],
    heartbeatIntervalSeconds: input.heartbeatIntervalSeconds ?? DEFAULT_HEARTBEAT_SECONDS,
  };
}

/** A slug of a skill name: "Code Review!" → "code-review". */
export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[-._]+|[-._]+$/g, '')
    .slice(0, 64);
}

/**
 * Ids GET /agents/{id} could never read (the route of that name answers), so no agent is made
 * under one: an agent named so was out of reach, and a console following its link got the
 * route's answer instead (one made before is still served by PUT, DELETE and the rest).
 */
const ROUTE_NAMES: ReadonlySet<string> = new Set(['leaderboard', 'summary']);

/** Skill ids default to a slug of the name; duplicate ids are refused, naming the entries. */
export function normaliseSkills(skills: SkillDto[]): SkillRow[] {
  const seen = new Map<string, number>();
  return skills.map((skill, index) => {
    const id = skill.id ?? slugify(skill.name);
    if (!AGENT_ID_PATTERN.test(id)) {
      throw new BadRequestError(AgentErrorCode.InvalidSkill, 'A skill name gives no usable id.', [
        {
          field: `skills[${index}].name`,
          message: 'give the skill an id: its name has no letters or digits',
        },
      ]);
    }
    const first = seen.get(id);
    if (first !== undefined) {
      throw new BadRequestError(AgentErrorCode.DuplicateSkill, `Skill "${id}" is listed twice.`, [
        { field: `skills[${index}]`, message: `duplicates skills[${first}] (id "${id}")` },
      ]);
    }
    seen.set(id, index);
    return {
      skillId: id,
      name: skill.name,
      nameKey: skill.name.toLowerCase(),
      description: skill.description ?? null,
      tags: [...new Set(skill.tags ?? [])],
      examples: skill.examples ?? [],
    };
  });
}
