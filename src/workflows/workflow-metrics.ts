import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Counter, Histogram, register } from 'prom-client';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/config';
import { InjectConfig } from '../config/config.module';
import { boundedCount, ESTIMATE_NOTE, plannedRows } from '../metrics/bounded-count';
import { ScrapeSnapshot } from '../metrics/scrape-snapshot';
import { LIMIT_TOKENS_SQL } from './rate-limit-shards';

interface SkillQueue {
  skill: string;
  depth: number;
  oldestAgeSeconds: number;
}

interface Snapshot {
  runs: Record<string, number>;
  tasks: Record<string, number>;
  /** By skill: the deepest SKILL_LABELS_MAX queues by name, the rest summed as `other`. */
  queues: SkillQueue[];
}

const EMPTY: Snapshot = { runs: {}, tasks: {}, queues: [] };

/**
 * Skills get a label of their own up to this many (the deepest queues); the rest are summed
 * under `skill="other"`, so a tenant inventing skill names cannot blow up the series count.
 */
export const SKILL_LABELS_MAX = 20;
const OTHER = 'other';

/** One round of queries per scrape, shared by every gauge. */
const scrape = new ScrapeSnapshot<Snapshot>(EMPTY);

function counter(name: string, help: string): Counter {
  return (
    (register.getSingleMetric(name) as Counter | undefined) ??
    new Counter({ name, help, labelNames: ['status'] })
  );
}

/** Finished runs and task attempts, counted by this replica as their transactions commit. */
export const runsFinished = counter(
  'workflow_runs_finished_total',
  'Workflow runs finished, by status',
);
export const attemptsFinished = counter(
  'task_attempts_finished_total',
  'Task attempts finished, by outcome (succeeded, failed, timed_out, cancelled)',
);

/**
 * `task_rate_limited_total{key}`: claims (by this replica) that had room for more tasks and
 * found a ready task of the rate limit `key`, for the agent's skills, held back for lack of
 * tokens. A long-poll claim counts each look (the first, and one after each refill it waited for).
 */
export const rateLimitedClaims =
  (register.getSingleMetric('task_rate_limited_total') as Counter | undefined) ??
  new Counter({
    name: 'task_rate_limited_total',
    help: 'Claims that found a ready task held back by this rate limit (no tokens for it), by key',
    labelNames: ['key'],
  });

/** Rate-limit keys with a `task_rate_limited_total` series of their own; the rest are `other`. */
export const RATE_LIMIT_KEY_LABELS_MAX = 50;
const labelledKeys = new Set<string>();

/**
 * Counts a claim held back by the rate limit `key`: by its name for the first
 * RATE_LIMIT_KEY_LABELS_MAX keys this process counts, as `other` after that, so tenants
 * making limits cannot grow the series without bound.
 */
export function countRateLimited(key: string): void {
  if (!labelledKeys.has(key) && labelledKeys.size < RATE_LIMIT_KEY_LABELS_MAX) {
    labelledKeys.add(key);
  }
  rateLimitedClaims.inc({ key: labelledKeys.has(key) ? key : OTHER });
}

/** Claims and completions per shared transaction (see TasksService): how much group commit saves. */
export const batchSizes =
  (register.getSingleMetric('task_batch_size') as Histogram | undefined) ??
  new Histogram({
    name: 'task_batch_size',
    help: 'Claims or completions written together in one transaction, by kind (claim, complete)',
    labelNames: ['kind'],
    buckets: [1, 2, 4, 8, 16, 32, 64, 100],
  });

/**
 * Workflows and tasks on /metrics: live runs and tasks by status (terminal ones are counters:
 * counting them from the table would scan it whole), queue depth and the oldest claimable age.
 * Each query is served by a partial or status index.
 */
@Injectable()
export class WorkflowMetrics implements OnModuleInit, OnModuleDestroy {
  constructor(
    private readonly dataSource: DataSource,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    scrape.gauge(
      'workflow_runs_active',
      `Workflow runs not finished, by status; ${ESTIMATE_NOTE}`,
      ['status'],
      (g, s) => {
        for (const status of ['pending', 'running', 'budget_exceeded'])
          g.set({ status }, s.runs[status] ?? 0);
      },
    );
    scrape.gauge(
      'workflow_tasks_active',
      `Tasks queued or claimed, by status; ${ESTIMATE_NOTE}`,
      ['status'],
      (g, s) => {
        for (const status of ['queued', 'claimed']) g.set({ status }, s.tasks[status] ?? 0);
      },
    );
    scrape.gauge(
      'task_queue_depth',
      `Queued tasks claimable now, by skill (the ${SKILL_LABELS_MAX} deepest; the rest as "other"); per tenant and skill exact up to ${QUEUE_EXACT_UP_TO.toLocaleString('en')}, above the planner's estimate`,
      ['skill'],
      (g, s) => {
        for (const queue of s.queues) g.set({ skill: queue.skill }, queue.depth);
      },
    );
    scrape.gauge(
      'task_queue_oldest_age_seconds',
      'Age of the oldest claimable queued task, by skill (as task_queue_depth)',
      ['skill'],
      (g, s) => {
        for (const queue of s.queues) g.set({ skill: queue.skill }, queue.oldestAgeSeconds);
      },
    );
    scrape.readFrom(() => this.snapshot(), this.config.metricsCacheMs);
  }

  onModuleDestroy(): void {
    scrape.stopReading();
  }

  private async snapshot(): Promise<Snapshot> {
    const count = (select: string) => boundedCount(this.dataSource, select);
    const [pending, running, budgetExceeded, queued, claimed, queues] = await Promise.all([
      // `workflow_runs_unfinished` (status first) serves each; `workflow_tasks_queue` and
      // `workflow_tasks_leases` (partial: queued, claimed) the tasks.
      count(`SELECT 1 FROM workflow_runs WHERE status = 'pending'`),
      count(`SELECT 1 FROM workflow_runs WHERE status = 'running'`),
      count(`SELECT 1 FROM workflow_runs WHERE status = 'budget_exceeded'`),
      count(`SELECT 1 FROM workflow_tasks WHERE status = 'queued'`),
      count(`SELECT 1 FROM workflow_tasks WHERE status = 'claimed'`),
      readQueues(this.dataSource),
    ]);
    return {
      runs: { pending, running, budget_exceeded: budgetExceeded },
      tasks: { queued, claimed },
      queues: boundedBySkill(queues),
    };
  }
}

/** Queues (tenant and skill pairs) read at most per scrape; the rest are left out. */
export const QUEUES_READ_MAX = 1_000;
/** Claimable tasks counted exactly per queue; past it, the planner's estimate. */
export const QUEUE_EXACT_UP_TO = 1_000;

const QUEUE_ORDER = `tenant_id, skill, COALESCE(rate_limit_key, ''), priority DESC, fair_at, id`;
/** A queued task whose run's definition is paused is not claimable (`t`: the task). */
const NOT_PAUSED = `NOT EXISTS (
  SELECT FROM workflow_definition_pauses z JOIN workflow_runs pr ON pr.id = t.run_id
   WHERE z.tenant_id = t.tenant_id AND z.definition_key = pr.type)`;
const head = (paused: boolean) =>
  `SELECT tenant_id, skill, COALESCE(rate_limit_key, '') AS rlk, priority, available_at,
          rate_units
     FROM workflow_tasks t WHERE t.status = 'queued'${paused ? ` AND ${NOT_PAUSED}` : ''}`;

/**
 * Each skill's claimable depth and oldest claimable age, without reading every queued task.
 * The queue index `workflow_tasks_queue` is ordered (tenant, skill, rate-limit key, priority
 * desc, fair_at, id): a skip scan (a recursive query hopping from group to group) reads the
 * first entry of each (tenant, skill, key, priority) group, the next task it dispatches. For
 * runs without a concurrency key the rank is `available_at`, so that head is the group's oldest
 * and a head not due yet means nothing is claimable: the oldest claimable age of a queue is the
 * oldest due head of its groups, exact, in one index descent per group. Where keyed runs take
 * turns (FairQueue), the head is the task next in turn, and its age is how long the queue's next
 * task has waited. The depth of each queue with a due head is counted up to QUEUE_EXACT_UP_TO entries of
 * the same index, and past that estimated by the planner.
 *
 * What a claim would not take is left out, as a claim leaves it: a group whose rate limit does
 * not exist or holds fewer tokens than its head asks for, and (while any definition is paused)
 * tasks of paused definitions. They wait for something the stale-queue alert does not watch
 * (`workflow_runs_waiting{reason}` counts them).
 */
async function readQueues(
  db: DataSource,
): Promise<Array<{ skill: string; depth: number; age: number | null }>> {
  // The pause filter reads each task's run: only while some definition is paused.
  const [{ paused }] = await db.query<Array<{ paused: boolean }>>(
    `SELECT EXISTS (SELECT FROM workflow_definition_pauses) AS paused`,
  );
  const HEAD = head(paused);
  const pairs = await db.query<
    Array<{ tenantId: string; skill: string; age: number; depth: number; lanes: string[] }>
  >(
    `WITH RECURSIVE heads AS (
       (${HEAD} ORDER BY ${QUEUE_ORDER} LIMIT 1)
       UNION ALL
       SELECT n.* FROM heads h CROSS JOIN LATERAL (
         (${HEAD} AND t.tenant_id = h.tenant_id AND t.skill = h.skill
              AND COALESCE(t.rate_limit_key, '') = h.rlk AND t.priority < h.priority
           ORDER BY ${QUEUE_ORDER} LIMIT 1)
         UNION ALL
         (${HEAD} AND (t.tenant_id, t.skill, COALESCE(t.rate_limit_key, ''))
                      > (h.tenant_id, h.skill, h.rlk)
           ORDER BY ${QUEUE_ORDER} LIMIT 1)
         LIMIT 1) n
     ),
     open AS (
       SELECT g.tenant_id, g.skill, g.rlk, g.available_at
         FROM (SELECT * FROM heads LIMIT ${QUEUES_READ_MAX * 4}) g
        WHERE g.available_at <= now()
          AND (g.rlk = '' OR EXISTS (
                SELECT FROM rate_limits l WHERE l.tenant_id = g.tenant_id AND l.key = g.rlk
                   AND ${LIMIT_TOKENS_SQL} >= least(coalesce(g.rate_units, 1), l.burst)))),
     due AS (
       SELECT tenant_id, skill, min(available_at) AS oldest, array_agg(DISTINCT rlk) AS lanes
         FROM open
        GROUP BY tenant_id, skill
        LIMIT ${QUEUES_READ_MAX})
     SELECT tenant_id AS "tenantId", skill, lanes,
            extract(epoch FROM now() - oldest)::float8 AS age,
            (SELECT count(*)::int FROM (
               SELECT 1 FROM workflow_tasks t
                WHERE t.status = 'queued' AND t.tenant_id = due.tenant_id AND t.skill = due.skill
                  AND t.available_at <= now() AND COALESCE(t.rate_limit_key, '') = ANY(due.lanes)
                  ${paused ? `AND ${NOT_PAUSED}` : ''}
                LIMIT ${QUEUE_EXACT_UP_TO + 1}) bounded) AS depth
       FROM due`,
  );
  const bySkill = new Map<string, { skill: string; depth: number; age: number | null }>();
  for (const pair of pairs) {
    const depth =
      pair.depth <= QUEUE_EXACT_UP_TO
        ? pair.depth
        : Math.max(
            QUEUE_EXACT_UP_TO + 1,
            await plannedRows(
              db,
              `SELECT 1 FROM workflow_tasks t WHERE t.status = 'queued' AND t.tenant_id = $1
                  AND t.skill = $2 AND t.available_at <= now()
                  AND COALESCE(t.rate_limit_key, '') = ANY($3::text[])
                  ${paused ? `AND ${NOT_PAUSED}` : ''}`,
              [pair.tenantId, pair.skill, pair.lanes],
            ),
          );
    const row = bySkill.get(pair.skill) ?? { skill: pair.skill, depth: 0, age: null };
    row.depth += depth;
    row.age = Math.max(row.age ?? 0, pair.age);
    bySkill.set(pair.skill, row);
  }
  return [...bySkill.values()];
}

/**
 * The deepest SKILL_LABELS_MAX queues by their skill, the others summed (depth) and maxed (age)
 * as `other`, which is always there (0 when nothing is queued), so the series never vanish.
 */
export function boundedBySkill(
  rows: Array<{ skill: string; depth: number; age: number | null }>,
): SkillQueue[] {
  const sorted = [...rows].sort((a, b) => b.depth - a.depth || a.skill.localeCompare(b.skill));
  const own = sorted.slice(0, SKILL_LABELS_MAX).filter((row) => row.skill !== OTHER);
  const rest = sorted.filter((row) => !own.includes(row));
  const age = (row: { age: number | null }) => Math.max(0, row.age ?? 0);
  return [
    ...own.map((row) => ({ skill: row.skill, depth: row.depth, oldestAgeSeconds: age(row) })),
    {
      skill: OTHER,
      depth: rest.reduce((sum, row) => sum + row.depth, 0),
      oldestAgeSeconds: rest.reduce((max, row) => Math.max(max, age(row)), 0),
    },
  ];
}
