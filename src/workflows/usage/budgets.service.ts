import { Injectable } from '@nestjs/common';
import { requestContext, RequestContext } from '../../common/context/request-context';
import { currentTenantId } from '../../common/context/request-context';
import { ConflictError } from '../../common/errors/domain-error';
import { UUID_PATTERN } from '../../common/ids';
import { Transaction, UnitOfWork } from '../../database/unit-of-work';
import { WorkflowEngine } from '../engine';
import { isTerminalRun } from '../state-machine';
import type { RunRow } from '../workflow-rows';
import { RunNotFoundError, WorkflowErrorCode } from '../workflows.errors';
import { Budget, BUDGET_LIMITS, exceededLimits } from './usage';
import { UsageEntry, UsageLedger } from './usage-ledger';

/** Seconds a run has been running, by the database's clock (null: not started). */
const RUNNING_SECONDS = `extract(epoch FROM now() - r.started_at)::float8`;

/**
 * Usage reports and run budgets: a report is recorded with its task's run locked, and a
 * running run it takes over its budget turns budget_exceeded in the same transaction; a new
 * budget (within the usage so far) lets such a run run again.
 */
@Injectable()
export class BudgetsService {
  constructor(
    private readonly ledger: UsageLedger,
    private readonly engine: WorkflowEngine,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  /**
   * Records the reports (the caller holds the locks of their tasks' runs) and stops the runs
   * they took over budget. `contextOf`: the request a task's report came with, for the audit
   * entry and event of its run's change.
   */
  async record(
    tx: Transaction,
    entries: UsageEntry[],
    contextOf?: (taskId: string) => RequestContext | undefined,
  ): Promise<void> {
    const runs = await this.ledger.record(tx, entries);
    for (const totals of runs) {
      if (totals.status !== 'running') continue;
      const exceeded = exceededLimits(totals.budget, totals.usage, null);
      if (exceeded.length === 0) continue;
      const run = await this.engine.lockRun(tx, totals.tenantId, totals.id);
      if (!run || run.status !== 'running') continue;
      const context = contextOf ? this.contextOfRun(entries, run, contextOf) : undefined;
      const exceed = () => this.engine.exceedBudget(tx, run, exceeded);
      await (context ? requestContext.run(context, exceed) : exceed());
    }
  }

  /** The context of the last report of this run's tasks in the batch. */
  private contextOfRun(
    entries: UsageEntry[],
    run: RunRow,
    contextOf: (taskId: string) => RequestContext | undefined,
  ): RequestContext | undefined {
    for (let index = entries.length - 1; index >= 0; index -= 1) {
      const entry = entries[index];
      if (entry.runId === run.id) return contextOf(entry.taskId);
    }
    return undefined;
  }

  /**
   * POST /workflows/{id}/budget: the limits given replace the run's (the others are kept). 409
   * when the run has finished, or when its usage (or its running time) already passes the new
   * budget: a budget is only accepted when the run could go on under it.
   */
  async setBudget(id: string, change: Budget): Promise<void> {
    const tenantId = currentTenantId();
    if (!UUID_PATTERN.test(id)) throw new RunNotFoundError(id.slice(0, 80));
    await this.unitOfWork.run(async (tx) => {
      const run = await this.engine.lockRun(tx, tenantId, id);
      if (!run) throw new RunNotFoundError(id);
      if (isTerminalRun(run.status)) {
        throw new ConflictError(
          WorkflowErrorCode.RunFinished,
          `The workflow run already finished (${run.status}); its budget no longer applies.`,
        );
      }
      const budget: Budget = { ...(run.budget ?? {}) };
      for (const limit of BUDGET_LIMITS)
        if (change[limit] !== undefined) budget[limit] = change[limit];
      const [{ seconds }] = await tx.manager.query<Array<{ seconds: number | null }>>(
        `SELECT ${RUNNING_SECONDS} AS seconds FROM workflow_runs r WHERE r.id = $1`,
        [run.id],
      );
      const over = exceededLimits(budget, run.usage, seconds);
      if (over.length > 0) {
        throw new ConflictError(
          WorkflowErrorCode.BudgetBelowUsage,
          `The run has already used more than this budget allows (${over.join(', ')}): raise it above its usage.`,
          over.map((limit) => ({
            field: limit,
            message: `below what the run has already used (${usedOf(run, limit, seconds)})`,
          })),
        );
      }
      await this.engine.changeBudget(tx, run, budget);
    });
  }

  /**
   * The wall-clock limit: running runs with a `wallSeconds` budget that have run longer, up to
   * `limit` of them (those another transaction holds are left for the next round), turn
   * budget_exceeded. Answers how many did.
   */
  async exceedWallClock(limit: number): Promise<number> {
    return this.unitOfWork.run(async (tx) => {
      const runs = await tx.manager.query<Array<RunRow & { seconds: number }>>(
        `SELECT r.id, r.tenant_id AS "tenantId", ${RUNNING_SECONDS} AS seconds
           FROM workflow_runs r
          WHERE r.budget IS NOT NULL AND r.status = 'running' AND r.budget ? 'wallSeconds'
            AND r.started_at < now() - make_interval(secs => (r.budget->>'wallSeconds')::float8)
          ORDER BY r.started_at LIMIT $1
            FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      for (const { id, tenantId, seconds } of runs) {
        const run = (await this.engine.lockRun(tx, tenantId, id))!;
        await this.engine.exceedBudget(tx, run, exceededLimits(run.budget, run.usage, seconds));
      }
      return runs.length;
    });
  }
}

function usedOf(run: RunRow, limit: keyof Budget, seconds: number | null): string {
  switch (limit) {
    case 'tokens':
      return `${(run.usage?.inputTokens ?? 0) + (run.usage?.outputTokens ?? 0)} tokens`;
    case 'costUsd':
      return `${run.usage?.costUsd ?? 0} USD`;
    case 'wallSeconds':
      return `${Math.floor(seconds ?? 0)} seconds running`;
  }
}
