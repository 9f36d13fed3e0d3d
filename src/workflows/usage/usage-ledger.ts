import { Injectable } from '@nestjs/common';
import { uuidv7 } from '../../common/ids';
import { preparedQuery } from '../../database/prepared';
import { Transaction } from '../../database/unit-of-work';
import type { RunStatus } from '../state-machine';
import { Budget, roundUsd, UsageReport, UsageTotals } from './usage';
import { addCost, agentTokens, skillLabel } from './usage-metrics';

/** A report to record: the task it is for (whose holder sent it), and from which route. */
export interface UsageEntry {
  taskId: string;
  /** The task's run, when the caller knows it (to tell whose report took the run over). */
  runId?: string;
  usage: UsageReport;
  source: 'complete' | 'progress';
}

/** A run whose totals a recording changed, as they are now. */
export interface RunUsage {
  id: string;
  tenantId: string;
  status: RunStatus;
  budget: Budget | null;
  usage: UsageTotals;
}

/** Adds a report to a `{inputTokens, outputTokens, costUsd, reports}` total (null: none yet). */
const addTo = (total: string) => `jsonb_build_object(
  'inputTokens', coalesce((${total}->>'inputTokens')::bigint, 0) + p.input_tokens,
  'outputTokens', coalesce((${total}->>'outputTokens')::bigint, 0) + p.output_tokens,
  'costUsd', coalesce((${total}->>'costUsd')::numeric, 0) + p.cost_usd,
  'reports', coalesce((${total}->>'reports')::int, 0) + p.reports)`;

/**
 * One statement: a ledger row per report (attributed to the task's run, definition, step, skill
 * and agent as they are now), then the totals of each task (a fan-out element's also on its
 * step's own row, so the step shows what all its elements used) and each run. The caller holds the
 * runs' locks, so concurrent reports of one run's tasks add up one after the other; nothing is
 * lost. Answers the runs' new totals, and per skill what was added (for the metrics).
 */
const RECORD_SQL = `WITH i AS (
    SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::bigint[], $5::numeric[],
                         $6::varchar[], $7::varchar[])
             AS i(id, task_id, input_tokens, output_tokens, cost_usd, model, source)),
  rec AS (
    INSERT INTO usage_records (id, tenant_id, run_id, task_id, definition_key, step_key, skill,
                               agent_id, attempt, source, model, input_tokens, output_tokens,
                               cost_usd)
    SELECT i.id, t.tenant_id, t.run_id, t.id, r.type, t.step_key, t.skill, t.agent_id, t.attempt,
           i.source, i.model, i.input_tokens, i.output_tokens, i.cost_usd
      FROM i JOIN workflow_tasks t ON t.id = i.task_id JOIN workflow_runs r ON r.id = t.run_id
    RETURNING task_id, run_id, skill, input_tokens, output_tokens, coalesce(cost_usd, 0) AS cost_usd),
  credited AS (
    SELECT task_id, input_tokens, output_tokens, cost_usd FROM rec
    UNION ALL
    SELECT s.id, rec.input_tokens, rec.output_tokens, rec.cost_usd
      FROM rec
      JOIN workflow_tasks e ON e.id = rec.task_id AND e.element_index IS NOT NULL
      JOIN workflow_tasks s ON s.run_id = e.run_id AND s.step_key = e.step_key
                           AND s.element_index IS NULL),
  by_task AS (
    SELECT task_id, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
           sum(cost_usd) AS cost_usd, count(*) AS reports
      FROM credited GROUP BY task_id),
  tasks AS (
    UPDATE workflow_tasks t SET usage = ${addTo('t.usage')}
      FROM by_task p WHERE t.id = p.task_id),
  by_run AS (
    SELECT run_id, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
           sum(cost_usd) AS cost_usd, count(*) AS reports
      FROM rec GROUP BY run_id),
  runs AS (
    UPDATE workflow_runs r SET usage = ${addTo('r.usage')}
      FROM by_run p WHERE r.id = p.run_id
    RETURNING r.id, r.tenant_id, r.status, r.budget, r.usage)
  SELECT json_build_object('id', id, 'tenantId', tenant_id, 'status', status, 'budget', budget,
                           'usage', usage) AS run,
         NULL AS skill, NULL::float8 AS tokens, NULL::text AS nanodollars
    FROM runs
  UNION ALL
  SELECT NULL, skill, sum(input_tokens + output_tokens)::float8,
         round(sum(cost_usd) * 1000000000)::bigint::text
    FROM rec GROUP BY skill`;

/** The usage ledger and the running totals of tasks and runs. */
@Injectable()
export class UsageLedger {
  /**
   * Records reports in the caller's transaction, which holds the locks of the tasks' runs.
   * The metrics count them once it commits.
   */
  async record(tx: Transaction, entries: UsageEntry[]): Promise<RunUsage[]> {
    if (entries.length === 0) return [];
    const rows = await preparedQuery<{
      run: RunUsage | null;
      skill: string | null;
      tokens: number | null;
      /** The skill's dollars of these reports in nanodollars, exact (a decimal string). */
      nanodollars: string | null;
    }>(tx, RECORD_SQL, [
      entries.map(() => uuidv7()),
      entries.map((entry) => entry.taskId),
      entries.map((entry) => entry.usage.inputTokens),
      entries.map((entry) => entry.usage.outputTokens),
      entries.map((entry) => (entry.usage.costUsd == null ? null : roundUsd(entry.usage.costUsd))),
      entries.map((entry) => entry.usage.model ?? null),
      entries.map((entry) => entry.source),
    ]);
    const runs: RunUsage[] = [];
    const skills: Array<{ skill: string; tokens: number; nanodollars: bigint }> = [];
    for (const row of rows) {
      if (row.run) runs.push(row.run);
      else if (row.skill !== null)
        skills.push({
          skill: row.skill,
          tokens: row.tokens ?? 0,
          nanodollars: BigInt(row.nanodollars ?? 0),
        });
    }
    tx.afterCommit(() => {
      for (const { skill, tokens, nanodollars } of skills) {
        const label = skillLabel(skill);
        agentTokens.inc({ skill: label }, tokens);
        if (nanodollars > 0n) addCost(label, nanodollars);
      }
    });
    return runs;
  }
}
