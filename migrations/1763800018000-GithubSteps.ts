import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * GitHub steps: `workflow_tasks` rows of kind `github`, waiting until a worker makes the call
 * (claimed with a lease in `lease_token`/`wake_at`, retried by moving `wake_at`); a definition's
 * `onFinish` step, kept with each run started from it.
 */
export class GithubSteps1763800018000 implements MigrationInterface {
  name = 'GithubSteps1763800018000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "workflow_tasks" DROP CONSTRAINT "workflow_tasks_kind_check"`,
    );
    await queryRunner.query(`
      ALTER TABLE "workflow_tasks" ADD CONSTRAINT "workflow_tasks_kind_check"
        CHECK ("kind" IN ('task', 'wait', 'approval', 'sleep', 'fanout', 'github')
               AND ("kind" = 'task' OR "status" NOT IN ('queued', 'claimed'))
               AND ("kind" <> 'task' OR "status" <> 'waiting'))`);
    // The GitHub workers' queue: github steps due (first call, retry, or an expired lease).
    await queryRunner.query(
      `CREATE INDEX "workflow_tasks_github_due" ON "workflow_tasks" ("wake_at")
        WHERE "status" = 'waiting' AND "kind" = 'github'`,
    );
    await queryRunner.query(`ALTER TABLE "workflow_definitions" ADD COLUMN "on_finish" jsonb`);
    await queryRunner.query(`ALTER TABLE "workflow_runs" ADD COLUMN "on_finish" jsonb`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "workflow_runs" DROP COLUMN "on_finish"`);
    await queryRunner.query(`ALTER TABLE "workflow_definitions" DROP COLUMN "on_finish"`);
    await queryRunner.query(`DROP INDEX "workflow_tasks_github_due"`);
    await queryRunner.query(`DELETE FROM "workflow_tasks" WHERE "kind" = 'github'`);
    await queryRunner.query(
      `ALTER TABLE "workflow_tasks" DROP CONSTRAINT "workflow_tasks_kind_check"`,
    );
    await queryRunner.query(`
      ALTER TABLE "workflow_tasks" ADD CONSTRAINT "workflow_tasks_kind_check"
        CHECK ("kind" IN ('task', 'wait', 'approval', 'sleep', 'fanout')
               AND ("kind" = 'task' OR "status" NOT IN ('queued', 'claimed'))
               AND ("kind" <> 'task' OR "status" <> 'waiting'))`);
  }
}
