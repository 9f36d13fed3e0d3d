import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Usage and budgets. Each task keeps what its holders reported (`usage`, summed over its
 * attempts), each run its running totals and its `budget`; `usage_records` is the ledger the
 * usage report reads by tenant and time. A run whose usage passed its budget is
 * `budget_exceeded`: its tasks that would be queued are `held` (never claimable: the claim
 * reads only queued tasks) until the budget is raised. A budget_exceeded run still holds its
 * concurrency slot, so the partial index of unfinished keyed runs counts it.
 */
export class UsageAndBudgets1763800040000 implements MigrationInterface {
  name = 'UsageAndBudgets1763800040000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "workflow_runs" ADD "usage" jsonb, ADD "budget" jsonb`);
    await queryRunner.query(`ALTER TABLE "workflow_tasks" ADD "usage" jsonb`);
    await this.runStatuses(queryRunner, [
      'scheduled',
      'pending',
      'running',
      'budget_exceeded',
      'succeeded',
      'failed',
      'cancelled',
    ]);
    await this.taskStatuses(queryRunner, ['queued', 'held', 'claimed'], true);
    await queryRunner.query(`DROP INDEX "workflow_runs_concurrency"`);
    await queryRunner.query(
      `CREATE INDEX "workflow_runs_concurrency" ON "workflow_runs"
         ("tenant_id", "type", "concurrency_key", "concurrency_state", "concurrency_since", "id")
        WHERE "concurrency_state" IS NOT NULL
          AND "status" IN ('pending', 'running', 'budget_exceeded')`,
    );
    // The wall-clock check: running runs with a budget (few), by when they started.
    await queryRunner.query(
      `CREATE INDEX "workflow_runs_budgeted" ON "workflow_runs" ("started_at")
        WHERE "budget" IS NOT NULL AND "status" = 'running'`,
    );
    await queryRunner.query(`
      CREATE TABLE "usage_records" (
        "id" uuid NOT NULL,
        "tenant_id" varchar(64) NOT NULL REFERENCES "tenants" ("id"),
        "occurred_at" timestamptz NOT NULL DEFAULT now(),
        "run_id" uuid NOT NULL,
        "task_id" uuid NOT NULL,
        "definition_key" varchar(64) NOT NULL,
        "step_key" varchar(64) NOT NULL,
        "skill" varchar(64) NOT NULL,
        "agent_id" varchar(64),
        "attempt" integer NOT NULL,
        "source" varchar(16) NOT NULL,
        "model" varchar(128),
        "input_tokens" bigint NOT NULL,
        "output_tokens" bigint NOT NULL,
        "cost_usd" numeric(20, 9),
        CONSTRAINT "usage_records_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "usage_records_source_check" CHECK ("source" IN ('complete', 'progress')),
        CONSTRAINT "usage_records_tokens_check"
          CHECK ("input_tokens" >= 0 AND "output_tokens" >= 0 AND
                 ("cost_usd" IS NULL OR "cost_usd" >= 0))
      )`);
    await queryRunner.query(
      `CREATE INDEX "usage_records_tenant_time" ON "usage_records" ("tenant_id", "occurred_at")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "usage_records"`);
    await queryRunner.query(`DROP INDEX "workflow_runs_budgeted"`);
    // Without budgets nothing holds a run back: held tasks are queued, the runs run again.
    await queryRunner.query(
      `UPDATE "workflow_tasks" SET "status" = 'queued' WHERE "status" = 'held'`,
    );
    await queryRunner.query(
      `UPDATE "workflow_runs" SET "status" = 'running' WHERE "status" = 'budget_exceeded'`,
    );
    await queryRunner.query(`DROP INDEX "workflow_runs_concurrency"`);
    await queryRunner.query(
      `CREATE INDEX "workflow_runs_concurrency" ON "workflow_runs"
         ("tenant_id", "type", "concurrency_key", "concurrency_state", "concurrency_since", "id")
        WHERE "concurrency_state" IS NOT NULL AND "status" IN ('pending', 'running')`,
    );
    await this.taskStatuses(queryRunner, ['queued', 'claimed'], false);
    await this.runStatuses(queryRunner, [
      'scheduled',
      'pending',
      'running',
      'succeeded',
      'failed',
      'cancelled',
    ]);
    await queryRunner.query(`ALTER TABLE "workflow_tasks" DROP COLUMN "usage"`);
    await queryRunner.query(
      `ALTER TABLE "workflow_runs" DROP COLUMN "budget", DROP COLUMN "usage"`,
    );
  }

  private async runStatuses(queryRunner: QueryRunner, statuses: string[]): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "workflow_runs" DROP CONSTRAINT "workflow_runs_status_check"`,
    );
    await queryRunner.query(
      `ALTER TABLE "workflow_runs" ADD CONSTRAINT "workflow_runs_status_check"
         CHECK ("status" IN (${statuses.map((status) => `'${status}'`).join(', ')}))`,
    );
  }

  /** Only a task (an agent's work) is ever queued, held or claimed. */
  private async taskStatuses(
    queryRunner: QueryRunner,
    agentStatuses: string[],
    held: boolean,
  ): Promise<void> {
    const agentOnly = agentStatuses.map((status) => `'${status}'`).join(', ');
    await queryRunner.query(
      `ALTER TABLE "workflow_tasks" DROP CONSTRAINT "workflow_tasks_status_check"`,
    );
    await queryRunner.query(`
      ALTER TABLE "workflow_tasks" ADD CONSTRAINT "workflow_tasks_status_check"
        CHECK ("status" IN ('queued', ${held ? `'held', ` : ''}'claimed', 'waiting', 'succeeded',
                            'failed', 'cancelled', 'timed_out'))`);
    await queryRunner.query(
      `ALTER TABLE "workflow_tasks" DROP CONSTRAINT "workflow_tasks_kind_check"`,
    );
    await queryRunner.query(`
      ALTER TABLE "workflow_tasks" ADD CONSTRAINT "workflow_tasks_kind_check"
        CHECK ("kind" IN ('task', 'wait', 'approval', 'sleep', 'fanout', 'github')
               AND ("kind" = 'task' OR "status" NOT IN (${agentOnly}))
               AND ("kind" <> 'task' OR "status" <> 'waiting'))`);
  }
}
