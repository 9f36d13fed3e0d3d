import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `events_position`: live streams read the outbox in insert order from a position on (a shared
 * read per wake-up, and a resumed tenant stream's catch-up); no other index starts with it.
 * `task_progress`: a task's latest progress report and when its last `task.progress` event was
 * written, so reports are coalesced across replicas (see src/workflows/progress.service.ts).
 */
export class StreamsAndProgress1763800011000 implements MigrationInterface {
  name = 'StreamsAndProgress1763800011000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "events_position" ON "events" ("position")`);
    await queryRunner.query(`
      CREATE TABLE "task_progress" (
        "task_id" uuid NOT NULL,
        "tenant_id" varchar(64) NOT NULL,
        "run_id" uuid NOT NULL,
        "attempt" integer NOT NULL,
        "progress" jsonb NOT NULL,
        "updated_at" timestamptz NOT NULL,
        "emitted_at" timestamptz NOT NULL,
        "pending" boolean NOT NULL DEFAULT false,
        CONSTRAINT "task_progress_pkey" PRIMARY KEY ("task_id"),
        CONSTRAINT "task_progress_task_id_fkey" FOREIGN KEY ("task_id")
          REFERENCES "workflow_tasks" ("id") ON DELETE CASCADE,
        CONSTRAINT "task_progress_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants" ("id")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "task_progress"`);
    await queryRunner.query(`DROP INDEX "events_position"`);
  }
}
