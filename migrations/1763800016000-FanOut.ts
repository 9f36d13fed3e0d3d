import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dynamic fan-out: a `forEach` step keeps one row of kind `fanout` (the step itself: its element
 * count, then its output, the array of its elements' outputs) and one ordinary task row per
 * element (`element_index`), which agents claim like any task. A step had one row per run; now
 * a step's own row is unique per run, and each element once per (run, step, index).
 */
export class FanOut1763800016000 implements MigrationInterface {
  name = 'FanOut1763800016000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "workflow_tasks" ADD "element_index" integer`);
    await queryRunner.query(`ALTER TABLE "workflow_tasks" ADD "element_count" integer`);
    await queryRunner.query(
      `ALTER TABLE "workflow_tasks" DROP CONSTRAINT "workflow_tasks_run_step"`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "workflow_tasks_run_step" ON "workflow_tasks" ("run_id", "step_key")
        WHERE "element_index" IS NULL`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "workflow_tasks_run_step_element"
          ON "workflow_tasks" ("run_id", "step_key", "element_index")
       WHERE "element_index" IS NOT NULL`,
    );
    await queryRunner.query(
      `ALTER TABLE "workflow_tasks" DROP CONSTRAINT "workflow_tasks_kind_check"`,
    );
    // A fan-out's own row never is an agent's work: it waits for its elements, then ends.
    await queryRunner.query(`
      ALTER TABLE "workflow_tasks" ADD CONSTRAINT "workflow_tasks_kind_check"
        CHECK ("kind" IN ('task', 'wait', 'approval', 'sleep', 'fanout')
               AND ("kind" = 'task' OR "status" NOT IN ('queued', 'claimed'))
               AND ("kind" <> 'task' OR "status" <> 'waiting'))`);
    await queryRunner.query(`
      ALTER TABLE "workflow_tasks" ADD CONSTRAINT "workflow_tasks_element_check"
        CHECK (("element_index" IS NULL OR ("kind" = 'task' AND "element_index" BETWEEN 0 AND 999))
               AND ("element_count" IS NULL OR ("kind" = 'fanout' AND "element_count" BETWEEN 0 AND 1000)))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM "workflow_tasks" WHERE "element_index" IS NOT NULL`);
    await queryRunner.query(
      `ALTER TABLE "workflow_tasks" DROP CONSTRAINT "workflow_tasks_element_check"`,
    );
    await queryRunner.query(
      `ALTER TABLE "workflow_tasks" DROP CONSTRAINT "workflow_tasks_kind_check"`,
    );
    await queryRunner.query(`DELETE FROM "workflow_tasks" WHERE "kind" = 'fanout'`);
    await queryRunner.query(`
      ALTER TABLE "workflow_tasks" ADD CONSTRAINT "workflow_tasks_kind_check"
        CHECK ("kind" IN ('task', 'wait', 'approval', 'sleep')
               AND ("kind" = 'task' OR "status" NOT IN ('queued', 'claimed'))
               AND ("kind" <> 'task' OR "status" <> 'waiting'))`);
    await queryRunner.query(`DROP INDEX "workflow_tasks_run_step_element"`);
    await queryRunner.query(`DROP INDEX "workflow_tasks_run_step"`);
    await queryRunner.query(
      `ALTER TABLE "workflow_tasks" ADD CONSTRAINT "workflow_tasks_run_step" UNIQUE ("run_id", "step_key")`,
    );
    await queryRunner.query(`ALTER TABLE "workflow_tasks" DROP COLUMN "element_count"`);
    await queryRunner.query(`ALTER TABLE "workflow_tasks" DROP COLUMN "element_index"`);
  }
}
