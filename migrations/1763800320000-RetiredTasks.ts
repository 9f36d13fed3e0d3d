import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `workflow_tasks_retired`: the tasks a retry of their run replaced (its failed and cancelled
 * steps, their fan-out elements, its onFinish report), each as its row stood when it was
 * replaced. A retry used to delete them, so `GET /tasks/{id}` of a task named by an earlier
 * event, webhook or receipt answered 404. The row is kept as jsonb (`to_jsonb` of the
 * workflow_tasks row, read back with `jsonb_populate_record`), so the table follows later
 * columns of workflow_tasks without a migration of its own. It goes with its run.
 */
export class RetiredTasks1763800320000 implements MigrationInterface {
  name = 'RetiredTasks1763800320000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "workflow_tasks_retired" (
        "id" uuid PRIMARY KEY,
        "tenant_id" varchar(64) NOT NULL,
        "run_id" uuid NOT NULL REFERENCES "workflow_runs" ("id") ON DELETE CASCADE,
        "retired_at" timestamptz NOT NULL DEFAULT now(),
        "task" jsonb NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX "workflow_tasks_retired_run" ON "workflow_tasks_retired" ("run_id")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "workflow_tasks_retired"`);
  }
}
