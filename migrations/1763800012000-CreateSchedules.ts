import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Schedules and delayed starts: cron schedules with one row per fired tick (its primary key is
 * what lets exactly one replica start a tick's run), runs that wait `scheduled` until their
 * `start_at`, and paused definitions whose queued tasks are not claimed.
 */
export class CreateSchedules1763800012000 implements MigrationInterface {
  name = 'CreateSchedules1763800012000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "schedules" (
        "id" uuid NOT NULL,
        "tenant_id" varchar(64) NOT NULL REFERENCES "tenants" ("id"),
        "key" varchar(64) NOT NULL,
        "definition_key" varchar(64) NOT NULL,
        "cron" varchar(120) NOT NULL,
        "timezone" varchar(64) NOT NULL DEFAULT 'UTC',
        "input" jsonb,
        "overlap" varchar(16) NOT NULL DEFAULT 'skip',
        "enabled" boolean NOT NULL DEFAULT true,
        "next_fire_at" timestamptz,
        "last_fired_at" timestamptz,
        "last_run_id" uuid,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "schedules_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "schedules_tenant_key" UNIQUE ("tenant_id", "key"),
        CONSTRAINT "schedules_overlap_check" CHECK ("overlap" IN ('skip', 'allow', 'cancel-previous'))
      )`);
    // The runner's scan: enabled schedules by their next tick.
    await queryRunner.query(
      `CREATE INDEX "schedules_due" ON "schedules" ("next_fire_at") WHERE "enabled"`,
    );
    await queryRunner.query(`
      CREATE TABLE "schedule_ticks" (
        "schedule_id" uuid NOT NULL,
        "tick_at" timestamptz NOT NULL,
        "run_id" uuid,
        "outcome" varchar(16) NOT NULL,
        "fired_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "schedule_ticks_pkey" PRIMARY KEY ("schedule_id", "tick_at"),
        CONSTRAINT "schedule_ticks_schedule_id_fkey" FOREIGN KEY ("schedule_id")
          REFERENCES "schedules" ("id") ON DELETE CASCADE,
        CONSTRAINT "schedule_ticks_outcome_check" CHECK ("outcome" IN ('started', 'skipped'))
      )`);
    await queryRunner.query(`ALTER TABLE "workflow_runs" ADD "start_at" timestamptz`);
    await queryRunner.query(
      `ALTER TABLE "workflow_runs" DROP CONSTRAINT "workflow_runs_status_check"`,
    );
    await queryRunner.query(
      `ALTER TABLE "workflow_runs" ADD CONSTRAINT "workflow_runs_status_check"
         CHECK ("status" IN ('scheduled', 'pending', 'running', 'succeeded', 'failed', 'cancelled'))`,
    );
    // The runner's scan of delayed starts that came due (a small set: only waiting runs).
    await queryRunner.query(
      `CREATE INDEX "workflow_runs_start_at" ON "workflow_runs" ("start_at")
        WHERE "status" = 'scheduled'`,
    );
    await queryRunner.query(`
      CREATE TABLE "workflow_definition_pauses" (
        "tenant_id" varchar(64) NOT NULL REFERENCES "tenants" ("id"),
        "definition_key" varchar(64) NOT NULL,
        "paused_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "workflow_definition_pauses_pkey" PRIMARY KEY ("tenant_id", "definition_key")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "workflow_definition_pauses"`);
    await queryRunner.query(`DROP INDEX "workflow_runs_start_at"`);
    // Runs still waiting for their start cannot be kept (nothing would ever start them).
    await queryRunner.query(
      `UPDATE "workflow_runs" SET "status" = 'cancelled', "finished_at" = now()
        WHERE "status" = 'scheduled'`,
    );
    await queryRunner.query(
      `ALTER TABLE "workflow_runs" DROP CONSTRAINT "workflow_runs_status_check"`,
    );
    await queryRunner.query(
      `ALTER TABLE "workflow_runs" ADD CONSTRAINT "workflow_runs_status_check"
         CHECK ("status" IN ('pending', 'running', 'succeeded', 'failed', 'cancelled'))`,
    );
    await queryRunner.query(`ALTER TABLE "workflow_runs" DROP COLUMN "start_at"`);
    await queryRunner.query(`DROP TABLE "schedule_ticks"`);
    await queryRunner.query(`DROP TABLE "schedules"`);
  }
}
