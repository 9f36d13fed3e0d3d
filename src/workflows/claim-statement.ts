import { ascendingIds, AUDIT_NOW_SQL, auditContextParameters } from '../audit/audit-time';
import { DISPATCH_PROFILE_SQL } from '../agents/agents.service';
import type { RequestContext } from '../common/context/request-context';
import { currentTraceparent } from '../common/tracing/trace-context';
import { MAX_SHARDS, SHARD_TOKENS_SQL } from './rate-limit-shards';
import { TASK_COLUMNS } from './workflow-rows';

/**
 * The claim as one statement, in its own implicit transaction: the tasks leased, the runs still
 * pending started, and the audit entry and domain event of each of those changes, written
 * together (data-modifying CTEs commit or roll back as one), so a claim costs one round trip.
 *
 * Per skill, the head of the queue index (tenant, skill, lane, priority DESC, fair_at, id), read
 * in its order and stopped after `max`: `skill = ANY(...)` on one scan would make PostgreSQL
 * read and sort every queued task of the tenant on each claim. An agent with k skills locks up
 * to k × max rows and keeps the best `max`; the skills of the rows it left are answered
 * (`leftSkills`) so a waiting claim is woken to look again. A run another transaction holds (a
 * completion, a cancel) is not started here: it turns running when its holder next touches it.
 *
 * `max` (1-10) is written into the text, one prepared statement per value: with `LIMIT $n`
 * PostgreSQL cannot tell a claim of one from a claim of thousands, found the generic plan
 * dearer than a custom one and planned every call again (planning cost more than executing).
 * Every other parameter is compared by equality, so the generic plan is as good as a custom
 * one, and is kept.
 *
 * `fair_at` is the task's rank (the FairQueue migration's trigger gives it): the time it became
 * claimable for runs without a concurrency key, and for keyed runs a place in a round between
 * the key's values, so one value's backlog does not stand in front of another's few tasks.
 *
 * Three statements (`ClaimLimits`): with rate limits; without them, for a tenant that has none
 * (the lane of tasks naming no limit alone: a statement sets up every node of its plan, run or
 * not, and the limits' part was nearly a third of the claim's time in the database); and with
 * them in the case of nearly every claim while they do not bind, one sub-bucket of each holding
 * what the claim takes (withOneSubBucket), which hands the other cases to the whole statement.
 * Each answers `limited`, whether the tenant has a limit now, so the caller knows which to send.
 *
 * Rate limits (rate-limit-shards.ts): a limit's tokens are in its sub-buckets, and a claim
 * locks as few of them as it can, so that claims under one limit do not queue on one row until
 * each commits. Per limit with candidates, its demand (the units of its first `max`
 * candidates): `first` locks one sub-bucket no other claim holds (SKIP LOCKED), at random among
 * those that hold the demand; only a claim of one limit that found every sub-bucket held waits
 * (`waited`) for one, and it holds none then. When the one it got holds less than the demand,
 * `gathered` adds as many of the others as the demand needs, the richest first (counted from
 * the statement's snapshot, locked with SKIP LOCKED: one held by another claim is passed for the
 * next), and the claim takes from their sum, spreading the rest evenly over them. (Gathering
 * every free one instead starved the other claims of a limit whose tasks each need several.) A
 * claim therefore only ever waits for a sub-bucket while holding none (no two claims can wait
 * for each other); a claim that met them held by others, or found one drained since its
 * snapshot, may take less than the limit would allow, and is told to look again shortly
 * (`heldBack`, not short). What is taken never exceeds what the locked sub-buckets hold.
 *
 * Outcome routing (outcome-routing.ts): a task reserved for another agent, until its reservation
 * ends, is passed over by one more predicate on the rows already read.
 *
 * Paused definitions (`workflow_definition_pauses`): read once per claim by primary key; only
 * while the tenant has one does each candidate cost a look-up of its run's type by primary key
 * (the OR stops at `z.keys IS NULL` otherwise), so dispatch without pauses pays one index probe.
 * A scalar sub-select, not NOT EXISTS / NOT IN: those PostgreSQL may run as a hashed subplan
 * that reads every run of the paused types on each claim. Ids of the audit entries and events come from the caller (UUIDv7, as
 * everywhere else): `2 × max` of each covers every change a claim can make.
 */
export function claimStatement(max: number, limits: ClaimLimits = 'limits'): string {
  if (!Number.isInteger(max) || max < 1 || max > 10) throw new RangeError(`claim max ${max}`);
  const cached = statements.get(`${max} ${limits}`);
  if (cached) return cached;
  const text =
    limits === 'limits'
      ? withLimits(max)
      : limits === 'one sub-bucket'
        ? withOneSubBucket(max)
        : withoutLimits(max);
  statements.set(`${max} ${limits}`, text);
  return text;
}

/**
 * Which claim statement: `limits`, the whole of it; `no limits`, for a tenant that has none;
 * `one sub-bucket`, the common case of a tenant with limits, which claims only when each limit
 * with candidates has one free sub-bucket that holds their demand (see withOneSubBucket).
 */
export type ClaimLimits = 'limits' | 'no limits' | 'one sub-bucket';

const statements = new Map<string, string>();

function withLimits(max: number): string {
  return `WITH ${profileAndPauses()},
   ${limitsAndLanes()},
   ${candidates(max)},
   ${demand(max)},
   ${firstSubBucket()},
   waited AS MATERIALIZED (
     SELECT d.lane, w.shard, w.available
       FROM demand d
       CROSS JOIN LATERAL (
         SELECT s.shard, ${SHARD_TOKENS_SQL} AS available
           FROM rate_limit_shards s
          WHERE s.tenant_id = $1 AND s.key = d.lane
            AND (SELECT count(*) FROM demand) = 1 AND NOT EXISTS (SELECT FROM first)
          ORDER BY ${SHARD_TOKENS_SQL} >= d.units DESC, random()
          LIMIT 1
            FOR UPDATE) w),
   one AS MATERIALIZED (
     SELECT lane, shard, available FROM first
     UNION ALL
     SELECT lane, shard, available FROM waited),
   short AS (
     SELECT d.lane, d.units - coalesce(o.available, 0) AS missing, o.shard
       FROM demand d
       LEFT JOIN one o ON o.lane = d.lane
      WHERE coalesce(o.available, 0) < d.units),
   gathered AS MATERIALIZED (
     SELECT x.lane, g.shard, g.available
       FROM short x
       CROSS JOIN LATERAL (
         SELECT s.shard, ${SHARD_TOKENS_SQL} AS available
           FROM rate_limit_shards s
          WHERE s.tenant_id = $1 AND s.key = x.lane AND s.shard IS DISTINCT FROM x.shard
          ORDER BY ${SHARD_TOKENS_SQL} DESC, s.shard
          LIMIT (SELECT count(*)
                   FROM (SELECT sum(${SHARD_TOKENS_SQL}) OVER (ORDER BY ${SHARD_TOKENS_SQL} DESC, s.shard)
                                - ${SHARD_TOKENS_SQL} AS before
                           FROM rate_limit_shards s
                          WHERE s.tenant_id = $1 AND s.key = x.lane
                            AND s.shard IS DISTINCT FROM x.shard) r
                  WHERE r.before < x.missing)
            FOR UPDATE SKIP LOCKED) g),
   holding AS (
     SELECT lane, shard, available FROM one
     UNION ALL
     SELECT lane, shard, available FROM gathered),
   buckets AS (
     SELECT lane AS key, sum(available) AS available, count(*) AS shards
       FROM holding GROUP BY lane),
   ${admittedPickedUsed(max, 'LEFT JOIN buckets b ON b.key = c.lane')},
   held AS (
     SELECT l.key, bool_or(h.units > l.available - coalesce(u.units, 0)) AS short,
            max(h.units) FILTER (WHERE h.units > l.available - coalesce(u.units, 0)) AS units,
            min(greatest(0, h.units - (l.available - coalesce(u.units, 0)))
                * 60000 / l.per_minute) AS wait_ms
       FROM limits l
       CROSS JOIN paused z
       CROSS JOIN profile p
       CROSS JOIN unnest(p.skills) AS s(skill)
       CROSS JOIN LATERAL (
         SELECT least(w.rate_units, l.burst) AS units FROM workflow_tasks w
          WHERE w.tenant_id = $1 AND w.status = 'queued' AND w.skill = s.skill
            AND coalesce(w.rate_limit_key, '') = l.key AND w.available_at <= now()
            AND (w.reserved_until IS NULL OR w.reserved_until <= now() OR w.reserved_for = $2)
            AND w.id NOT IN (SELECT id FROM picked)
            AND (z.keys IS NULL
                 OR (SELECT pr.type FROM workflow_runs pr WHERE pr.id = w.run_id) <> ALL(z.keys))
          ORDER BY w.priority DESC, w.fair_at, w.id
          LIMIT 1) h
       LEFT JOIN used u ON u.lane = l.key
      GROUP BY l.key),
   -- What the claim took, spread evenly over the sub-buckets it holds. A limit whose next task
   -- did not fit has them evened out too when that task needs more than one sub-bucket holds
   -- (as \`rebalanced\` does for the free ones): a full sub-bucket stops filling, and a drained
   -- one refills at its share of the rate alone.
   taken AS (
     UPDATE rate_limit_shards s
        SET tokens = greatest(0, least(s.burst, (b.available - coalesce(u.units, 0)) / b.shards)),
            refilled_at = greatest(s.refilled_at, now())
       FROM holding h
       JOIN buckets b ON b.key = h.lane
       LEFT JOIN used u ON u.lane = h.lane
       LEFT JOIN held x ON x.key = h.lane
      WHERE s.tenant_id = $1 AND s.key = h.lane AND s.shard = h.shard
        AND (u.units IS NOT NULL
             OR (x.short AND x.units > s.burst
                 AND abs(${SHARD_TOKENS_SQL} - least(s.burst, b.available / b.shards)) > 1e-9))),
   -- A limit too short for the next task under it, a task of more units than one sub-bucket
   -- holds, has its free sub-buckets (those no other claim holds, nor this one) evened out: a
   -- full sub-bucket stops filling, so that task would otherwise wait for the few that are not
   -- full, each at its share of the rate (a task of the whole burst, 32 times as long as a
   -- single bucket would make it wait). A task one sub-bucket can hold is not helped by it.
   -- The sum is unchanged and each keeps at most its burst: the limit stays exact. Only when
   -- the claim is short of max (else nothing was held back) and a sub-bucket would change.
   rebalanced AS (
     UPDATE rate_limit_shards s
        SET tokens = least(s.burst, f.even), refilled_at = greatest(s.refilled_at, now())
       FROM (SELECT x.key, x.shard,
                    sum(x.available) OVER (PARTITION BY x.key)
                      / count(*) OVER (PARTITION BY x.key) AS even
               FROM (SELECT s.key, s.shard, ${SHARD_TOKENS_SQL} AS available
                       FROM rate_limit_shards s
                       JOIN held h ON h.key = s.key AND h.short AND h.units > s.burst
                      WHERE s.tenant_id = $1 AND (SELECT count(*) FROM picked) < ${max}
                        AND NOT EXISTS (SELECT FROM holding o
                                         WHERE o.lane = s.key AND o.shard = s.shard)
                        FOR UPDATE OF s SKIP LOCKED) x) f
      WHERE s.tenant_id = $1 AND s.key = f.key AND s.shard = f.shard
        AND abs(${SHARD_TOKENS_SQL} - least(s.burst, f.even)) > 1e-9),
   ${claimedAndRecorded()}
 SELECT p.status, p.skills, p.quarantined, ${tasksAndLeftSkills()},
        CASE WHEN (SELECT count(*) FROM picked) < ${max}
             THEN (SELECT json_agg(json_build_object('key', key, 'short', short,
                                                     'waitMs', ceil(wait_ms)))
                     FROM held) END AS "heldBack",
        EXISTS (SELECT FROM limits) AS limited
   FROM profile p`;
}

/**
 * A tenant with rate limits, in the case that is nearly every claim while its limits do not bind:
 * each limit with candidates has a sub-bucket no other claim holds that holds their demand.
 * Then the claim takes what the whole statement would (the whole statement locks such a
 * sub-bucket first, and gathers or waits only when there is none), without the parts that serve
 * the other cases: the limits' tokens summed over their sub-buckets, gathering, waiting for a
 * held sub-bucket, and what held back a claim that got less than `max` (`heldBack`). The
 * sub-bucket is read by its key, the first free one holding the demand from a random place
 * among them (the whole statement reads and sorts them all). PostgreSQL sets up every node of a
 * statement's plan on each call, run or not: those parts were a third of the plan, and under ten
 * concurrent claims the whole statement cost twice the plain one in the database.
 *
 * When a limit with candidates falls short (its sub-buckets all held, or none holding the
 * demand), it claims nothing (`shortfall`), so that a task under the limit is not passed for a
 * later one under none: the caller asks the whole statement. The caller also asks it for the
 * rest when this one claimed less than `max` (it has nothing to say of what held them back).
 * Without the tokens summed, a limit's lane is read even when it is empty: its tasks are then
 * candidates that find no sub-bucket holding them, a shortfall, and the whole statement decides.
 */
function withOneSubBucket(max: number): string {
  const free = (shards: string) => `SELECT * FROM (
           SELECT s.shard, ${SHARD_TOKENS_SQL} AS available
             FROM rate_limit_shards s
            WHERE s.tenant_id = $1 AND s.key = d.lane AND ${shards}
              AND ${SHARD_TOKENS_SQL} >= d.units
            ORDER BY s.shard
            LIMIT 1
              FOR UPDATE SKIP LOCKED) f`;
  return `WITH ${profileAndPauses()},
   limits AS (SELECT l.key, l.burst FROM rate_limits l WHERE l.tenant_id = $1),
   lanes AS (
     SELECT '' AS lane, NULL::float8 AS burst, NULL::float8 AS available
     UNION ALL
     SELECT key, burst, NULL::float8 FROM limits),
   ${candidates(max)},
   ${demand(max)},
   first AS MATERIALIZED (
     SELECT d.lane, f.shard, f.available
       FROM demand d
       JOIN limits l ON l.key = d.lane
       -- A random place among the limit's sub-buckets (shardsFor(burst) of them; one laid out
       -- under an earlier maximum has fewer, and a place past its last starts at its first).
       CROSS JOIN LATERAL (
         SELECT floor(random() * least(${MAX_SHARDS}, greatest(1, floor(l.burst))))::int AS at) r
       CROSS JOIN LATERAL (
         ${free('s.shard >= r.at')}
         UNION ALL
         ${free('s.shard < r.at')}
         LIMIT 1) f),
   shortfall AS (
     SELECT d.lane
       FROM demand d
       LEFT JOIN first f ON f.lane = d.lane
      WHERE coalesce(f.available, 0) < d.units),
   ${admittedPickedUsed(
     max,
     'LEFT JOIN first b ON b.lane = c.lane',
     'AND NOT EXISTS (SELECT FROM shortfall)',
   )},
   taken AS (
     UPDATE rate_limit_shards s
        SET tokens = greatest(0, least(s.burst, f.available - u.units)),
            refilled_at = greatest(s.refilled_at, now())
       FROM first f
       JOIN used u ON u.lane = f.lane
      WHERE s.tenant_id = $1 AND s.key = f.lane AND s.shard = f.shard),
   ${claimedAndRecorded()}
 SELECT p.status, p.skills, p.quarantined, ${tasksAndLeftSkills()},
        NULL::json AS "heldBack",
        EXISTS (SELECT FROM limits) AS limited,
        EXISTS (SELECT FROM shortfall) AS shortfall
   FROM profile p`;
}

/**
 * A tenant without rate limits: the '' lane alone, and none of the limits' CTEs (a statement
 * sets up every node of its plan, run or not: they were nearly a third of the claim's time in
 * the database). `limited` says whether the tenant has a limit by now (made since the caller
 * last looked): the tasks under it are claimed by the statement with limits.
 */
function withoutLimits(max: number): string {
  return `WITH ${profileAndPauses()},
   lanes AS (SELECT '' AS lane, NULL::float8 AS burst, NULL::float8 AS available),
   ${candidates(max)},
   admitted AS (SELECT id, priority, fair_at, skill, lane, units FROM candidates),
   ${picked(max)},
   ${claimedAndRecorded()}
 SELECT p.status, p.skills, p.quarantined, ${tasksAndLeftSkills()},
        NULL::json AS "heldBack",
        EXISTS (SELECT FROM rate_limits WHERE tenant_id = $1) AS limited
   FROM profile p`;
}

/**
 * The tenant's limits with the tokens their sub-buckets hold now, and the lanes of candidates:
 * '' (tasks naming no limit) and each limit with tokens.
 */
function limitsAndLanes(): string {
  return `limits AS (
     SELECT l.key, l.burst, l.per_minute, coalesce(sum(${SHARD_TOKENS_SQL}), 0) AS available
       FROM rate_limits l
       LEFT JOIN rate_limit_shards s ON s.tenant_id = l.tenant_id AND s.key = l.key
      WHERE l.tenant_id = $1
      GROUP BY l.key, l.burst, l.per_minute),
   lanes AS (
     SELECT '' AS lane, NULL::float8 AS burst, NULL::float8 AS available
     UNION ALL
     SELECT key, burst, available FROM limits WHERE available > 0)`;
}

/**
 * The candidates admitted (those naming no limit, and each limit's in queue order while their
 * running sum of units, after the heads another claim holds (`reserved`), fits what `holding` —
 * joined as `b` — holds for it, and `also`), the best `max` of them picked, and the units each
 * limit gives up for them. A task that does not fit holds back the limit's later tasks: they
 * would otherwise pass it for as long as they keep coming.
 */
function admittedPickedUsed(max: number, holding: string, also = ''): string {
  return `admitted AS (
     SELECT c.id, c.priority, c.fair_at, c.skill, c.lane, c.units
       FROM (SELECT c.*, sum(c.units) OVER (PARTITION BY c.lane
                                            ORDER BY c.priority DESC, c.fair_at, c.id) AS needed
               FROM candidates c) c
       ${holding}
       LEFT JOIN reserved r ON r.lane = c.lane
      WHERE (c.lane = '' OR c.needed + coalesce(r.units, 0) <= b.available) ${also}),
   ${picked(max)},
   used AS (
     SELECT lane, sum(units) AS units FROM picked WHERE lane <> '' GROUP BY lane)`;
}

/** The best `max` of the admitted candidates, in queue order. */
function picked(max: number): string {
  return `picked AS (
     SELECT id, lane, units FROM admitted ORDER BY priority DESC, fair_at, id LIMIT ${max})`;
}

/** Per limit with candidates, the units of its first `max` of them and of its `reserved` heads. */
function demand(max: number): string {
  return `${reserved()},
   demand AS (
     SELECT lane, sum(units) AS units
       FROM (SELECT lane, units
               FROM (SELECT lane, units, row_number() OVER (PARTITION BY lane
                                                            ORDER BY priority DESC, fair_at, id) AS n
                       FROM candidates WHERE lane <> '') c
              WHERE n <= ${max}
             UNION ALL
             SELECT lane, units FROM reserved) c
      GROUP BY lane)`;
}

/** Per limit with demand, one sub-bucket no other claim holds, one that holds it if any does. */
function firstSubBucket(): string {
  return `first AS MATERIALIZED (
     SELECT d.lane, f.shard, f.available
       FROM demand d
       CROSS JOIN LATERAL (
         SELECT s.shard, ${SHARD_TOKENS_SQL} AS available
           FROM rate_limit_shards s
          WHERE s.tenant_id = $1 AND s.key = d.lane
          ORDER BY ${SHARD_TOKENS_SQL} >= d.units DESC, random()
          LIMIT 1
            FOR UPDATE SKIP LOCKED) f)`;
}

/**
 * The agent's dispatch profile, the definitions of the tenant that are paused, and, for a named
 * claim that looks (`$13`), what the agent holds under the name (see WorkflowEngine.claimAlone):
 * when it holds any, they are the answer and nothing is claimed.
 */
function profileAndPauses(): string {
  return `profile AS (${DISPATCH_PROFILE_SQL}),
   paused AS (
     SELECT array_agg(definition_key) AS keys FROM workflow_definition_pauses WHERE tenant_id = $1),
   named AS (
     SELECT ${TASK_COLUMNS} FROM workflow_tasks t
      WHERE $13::boolean AND t.tenant_id = $1 AND t.agent_id = $2 AND t.status = 'claimed'
        AND t.claimed_after = $12::uuid AND t.lease_expires_at > now())`;
}

/** What a task must be for this agent to claim it under a lane (`n`) of the claim. */
const CLAIMABLE = `w.tenant_id = $1 AND w.status = 'queued' AND w.skill = s.skill
            AND coalesce(w.rate_limit_key, '') = n.lane
            AND w.available_at <= now()
            AND (w.reserved_until IS NULL OR w.reserved_until <= now() OR w.reserved_for = $2)
            AND (z.keys IS NULL
                 OR (SELECT pr.type FROM workflow_runs pr WHERE pr.id = w.run_id) <> ALL(z.keys))`;

/** Per skill and lane (`lanes`: '' and the limits with tokens), the head of the queue. */
function candidates(max: number): string {
  return `candidates AS (
     SELECT q.id, q.priority, q.fair_at, q.units, s.skill, n.lane
       FROM profile p
       CROSS JOIN paused z
       CROSS JOIN unnest(p.skills) AS s(skill)
       CROSS JOIN lanes n
       CROSS JOIN LATERAL (
         SELECT w.id, w.priority, w.fair_at, least(w.rate_units, n.burst) AS units
           FROM workflow_tasks w
          WHERE ${CLAIMABLE}
          ORDER BY w.priority DESC, w.fair_at, w.id
          LIMIT ${max}
          FOR UPDATE SKIP LOCKED) q
      WHERE p.status NOT IN ('draining', 'offline') AND NOT EXISTS (SELECT FROM named))`;
}

/**
 * Per limit with candidates, the units of its queue's heads (one per skill, read from the
 * statement's snapshot, locked or not) that another claim holds: the candidates passed them
 * (SKIP LOCKED), and admitting them as if those were not there would let a stream of small
 * tasks pass a large one that waits for the bucket to fill, whenever claims run at once (as
 * claims woken together by a new task do). So they are counted ahead of the candidates: a
 * claim takes from a limit only what fits after its heads. When the other claim takes the
 * head, this one was only as careful as if it had come after it.
 */
function reserved(): string {
  return `reserved AS (
     SELECT n.lane, sum(h.units) AS units
       FROM profile p
       CROSS JOIN paused z
       CROSS JOIN unnest(p.skills) AS s(skill)
       CROSS JOIN lanes n
       CROSS JOIN LATERAL (
         SELECT w.id, least(w.rate_units, n.burst) AS units
           FROM workflow_tasks w
          WHERE ${CLAIMABLE}
          ORDER BY w.priority DESC, w.fair_at, w.id
          LIMIT 1) h
      WHERE n.lane <> '' AND n.lane IN (SELECT lane FROM candidates)
        AND h.id NOT IN (SELECT id FROM candidates)
      GROUP BY n.lane)`;
}

/** The picked tasks leased, their runs started, and the audit entries and events of both. */
function claimedAndRecorded(): string {
  return `claimed AS (
     UPDATE workflow_tasks t
        SET status = 'claimed', agent_id = $2,
            lease_token = replace(gen_random_uuid()::text, '-', ''),
            claimed_at = now(), claimed_after = $12::uuid,
            lease_expires_at = now() + make_interval(secs => $3),
            deadline_at = now() + make_interval(secs => t.timeout_seconds),
            result_hash = NULL
       FROM picked WHERE t.id = picked.id
     RETURNING ${TASK_COLUMNS}),
   started AS (
     -- Each claimed task's run read by its primary key, then checked and locked (OFFSET 0
     -- keeps the check out of the read): a table without statistics yet was read from the
     -- runs' side, every pending run of the tenant on every claim.
     UPDATE workflow_runs r SET status = 'running', started_at = now()
       FROM (SELECT w.id
               FROM (SELECT DISTINCT "runId" FROM claimed) c
               CROSS JOIN LATERAL (
                 SELECT x.id
                   FROM (SELECT id, tenant_id, status FROM workflow_runs
                          WHERE id = c."runId" OFFSET 0) x
                  WHERE x.tenant_id = $1 AND x.status = 'pending'
                    FOR UPDATE OF x SKIP LOCKED) w) p
      WHERE r.id = p.id
     RETURNING r.id, r.type, r.definition_version),
   changes AS (
     SELECT row_number() OVER (ORDER BY c.kind, c.priority DESC, c.available_at, c.id) AS n, c.*
       FROM (SELECT 1 AS kind, 0 AS priority, now() AS available_at, s.id,
                    'workflow.start' AS action, 'workflow' AS resource_type, s.id::text AS resource_id,
                    jsonb_build_object('status', 'pending') AS before,
                    jsonb_build_object('status', 'running', 'type', s.type) AS after,
                    'workflow.started' AS event_type, s.id::text AS subject_id,
                    jsonb_build_object('workflowId', s.id, 'type', s.type,
                                       'definitionVersion', s.definition_version,
                                       'status', 'running') AS data
               FROM started s
             UNION ALL
             SELECT 2, c.priority, c."availableAt", c.id,
                    'task.claim', 'task', c.id::text,
                    jsonb_build_object('status', 'queued'),
                    jsonb_build_object('status', 'claimed', 'attempt', c.attempt,
                                       'agentId', c."agentId"),
                    'task.claimed', c."runId"::text,
                    jsonb_build_object('taskId', c.id, 'workflowId', c."runId",
                                       'stepKey', c."stepKey", 'skill', c.skill,
                                       'agentId', c."agentId", 'attempt', c.attempt,
                                       'durationMs', NULL::int)
                      || CASE WHEN c."elementIndex" IS NULL THEN '{}'::jsonb
                              ELSE jsonb_build_object('elementIndex', c."elementIndex") END
               FROM claimed c) c),
   audited AS (
     INSERT INTO audit_entries (id, tenant_id, occurred_at, actor_type, actor_id, action,
       resource_type, resource_id, correlation_id, ip, user_agent, before, after, txid)
     SELECT ($4::uuid[])[n], $1,
            ${AUDIT_NOW_SQL},
            $6, $7, action, resource_type, resource_id, $8, $9, $10, before, after,
            pg_current_xact_id()::text::bigint
       FROM changes ORDER BY n),
   emitted AS (
     INSERT INTO events (id, tenant_id, type, subject_type, subject_id, data, correlation_id,
                         trace_context)
     SELECT ($5::uuid[])[n], $1, event_type, 'workflow', subject_id, data, $8, $11
       FROM changes ORDER BY n)`;
}

/**
 * The tasks leased, as answered (or those held under the claim's name), and the skills of the
 * candidates passed over.
 */
function tasksAndLeftSkills(): string {
  return `(SELECT json_agg(claimed ORDER BY claimed.priority DESC, claimed."availableAt", claimed.id)
           FROM claimed) AS tasks,
        (SELECT json_agg(named ORDER BY named.priority DESC, named."availableAt", named.id)
           FROM named) AS named,
        (SELECT array_agg(DISTINCT a.skill) FROM admitted a
          WHERE a.id NOT IN (SELECT id FROM picked)) AS "leftSkills"`;
}

/**
 * The parameters of `claimStatement(max)`, in the request context whose entries they write;
 * `after`: the claim's name (a claimId, or the task whose completion claims next), recorded on
 * the tasks leased; `looks`: whether the claim first looks for what the agent holds under it.
 */
export function claimParameters(
  tenantId: string,
  agentId: string,
  max: number,
  leaseSeconds: number,
  context: RequestContext | undefined,
  after: string | null = null,
  looks = after !== null,
): unknown[] {
  return [
    tenantId,
    agentId,
    leaseSeconds,
    ascendingIds(2 * max),
    ascendingIds(2 * max),
    ...auditContextParameters(context),
    // The events' trace context, as every emitted event's: the claim's span, when traced.
    currentTraceparent(),
    after,
    looks,
  ];
}
