import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A run's steps by run id, elements included. The unique indexes on (run_id, step_key) are
 * partial (steps, and a fan-out's elements, apart), so a read of all of a run's rows
 * (`WHERE run_id = $1`: every completion's progress, the timer's batches, a retry's deletes)
 * could use neither and scanned the whole table. On a large table, build it first with
 * `CREATE INDEX CONCURRENTLY` under the same name; this migration then finds it.
 */
export class TaskRunIndex1763800080000 implements MigrationInterface {
  name = 'TaskRunIndex1763800080000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS "workflow_tasks_run" ON "workflow_tasks" ("run_id")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "workflow_tasks_run"`);
  }
}
