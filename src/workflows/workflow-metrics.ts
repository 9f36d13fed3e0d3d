import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Counter, Histogram, register } from 'prom-client';
import { DataSource } from 'typeorm';
import { ScrapeSnapshot } from '../metrics/scrape-snapshot';

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
  constructor(private readonly dataSource: DataSource) {}

  onModuleInit(): void {
    scrape.gauge(
      'workflow_runs_active',
      'Workflow runs not finished, by status',
      ['status'],
      (g, s) => {
        for (const status of ['pending', 'running', 'budget_exceeded'])
          g.set({ status }, s.runs[status] ?? 0);
      },
    );
    scrape.gauge(
      'workflow_tasks_active',
      'Tasks queued or claimed, by status',
      ['status'],
      (g, s) => {
        for (const status of ['queued', 'claimed']) g.set({ status }, s.tasks[status] ?? 0);
      },
    );
    scrape.gauge(
      'task_queue_depth',
      `Queued tasks claimable now, by skill (the ${SKILL_LABELS_MAX} deepest; the rest as "other")`,
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
    scrape.readFrom(() => this.snapshot());
  }

  onModuleDestroy(): void {
    scrape.stopReading();
  }

  private async snapshot(): Promise<Snapshot> {
    const [runs, tasks, queue] = await Promise.all([
      this.dataSource.query<Array<{ status: string; n: number }>>(
        `SELECT status, count(*)::int AS n FROM workflow_runs
          WHERE status IN ('pending', 'running', 'budget_exceeded') GROUP BY status`,
      ),
      this.dataSource.query<Array<{ status: string; n: number }>>(
        `SELECT 'queued' AS status, count(*)::int AS n FROM workflow_tasks WHERE status = 'queued'
         UNION ALL
         SELECT 'claimed', count(*)::int FROM workflow_tasks WHERE status = 'claimed'`,
      ),
      this.dataSource.query<Array<{ skill: string; depth: number; age: number | null }>>(
        `SELECT skill, count(*)::int AS depth,
                extract(epoch FROM now() - min(available_at))::float8 AS age
           FROM workflow_tasks WHERE status = 'queued' AND available_at <= now()
          GROUP BY skill`,
      ),
    ]);
    const byStatus = (rows: Array<{ status: string; n: number }>) =>
      Object.fromEntries(rows.map((row) => [row.status, row.n]));
    return {
      runs: byStatus(runs),
      tasks: byStatus(tasks),
      queues: boundedBySkill(queue),
    };
  }
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
