import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Steps that wait without an agent: `workflow_tasks` rows of another kind (wait, approval,
 * sleep) in status `waiting`, with what they wait for and when they wake; the signals a run was
 * sent (kept until a step consumes them); and the index of event waits by type and match key.
 */
export class CreateWaits1763800010000 implements MigrationInterface {
  name = 'CreateWaits1763800010000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "workflow_tasks"
        ADD COLUMN "kind" varchar(16) NOT NULL DEFAULT 'task',
        ADD COLUMN "wait_for" jsonb,
        ADD COLUMN "wake_at" timestamptz`);
    await queryRunner.query(
      `ALTER TABLE "workflow_tasks" DROP CONSTRAINT "workflow_tasks_status_check"`,
    );
    await queryRunner.query(`
      ALTER TABLE "workflow_tasks" ADD CONSTRAINT "workflow_tasks_status_check"
        CHECK ("status" IN ('queued', 'claimed', 'waiting', 'succeeded', 'failed', 'cancelled',
                            'timed_out'))`);
    // Only a task is ever queued or claimed, and only a step of another kind waits: a wait,
    // an approval or a sleep can never be claimed by an agent.
    await queryRunner.query(`
      ALTER TABLE "workflow_tasks" ADD CONSTRAINT "workflow_tasks_kind_check"
        CHECK ("kind" IN ('task', 'wait', 'approval', 'sleep')
               AND ("kind" = 'task' OR "status" NOT IN ('queued', 'claimed'))
               AND ("kind" <> 'task' OR "status" <> 'waiting'))`);
    // The timer loop: waiting steps by the time they wake (a timeout, a sleep's end).
    await queryRunner.query(
      `CREATE INDEX "workflow_tasks_wake" ON "workflow_tasks" ("wake_at")
        WHERE "status" = 'waiting'`,
    );
    await queryRunner.query(`
      CREATE TABLE "workflow_signals" (
        "id" uuid NOT NULL,
        "tenant_id" varchar(64) NOT NULL REFERENCES "tenants" ("id"),
        "run_id" uuid NOT NULL,
        "signal_id" varchar(128) NOT NULL,
        "name" varchar(128) NOT NULL,
        "payload" jsonb,
        "consumed_by" varchar(64)[] NOT NULL DEFAULT '{}',
        "consumed_at" timestamptz,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "workflow_signals_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "workflow_signals_run_id_fkey" FOREIGN KEY ("run_id")
          REFERENCES "workflow_runs" ("id") ON DELETE CASCADE,
        CONSTRAINT "workflow_signals_run_signal" UNIQUE ("run_id", "signal_id")
      )`);
    // Kept signals of a run by name, oldest first: what a step starting to wait consumes.
    await queryRunner.query(
      `CREATE INDEX "workflow_signals_kept" ON "workflow_signals" ("run_id", "name", "created_at")
        WHERE "consumed_at" IS NULL`,
    );
    await queryRunner.query(`
      CREATE TABLE "workflow_event_waits" (
        "task_id" uuid NOT NULL,
        "tenant_id" varchar(64) NOT NULL,
        "run_id" uuid NOT NULL,
        "event_type" varchar(128) NOT NULL,
        "match_key" varchar(64) NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "workflow_event_waits_pkey" PRIMARY KEY ("task_id"),
        CONSTRAINT "workflow_event_waits_task_id_fkey" FOREIGN KEY ("task_id")
          REFERENCES "workflow_tasks" ("id") ON DELETE CASCADE
      )`);
    await queryRunner.query(
      `CREATE INDEX "workflow_event_waits_lookup" ON "workflow_event_waits"
        ("tenant_id", "event_type", "match_key")`,
    );
    // The shapes of the waits (which paths of the event's data they compare): an event is
    // keyed once per shape, then the waits are found by the index above.
    await queryRunner.query(`
      CREATE TABLE "workflow_event_wait_shapes" (
        "tenant_id" varchar(64) NOT NULL,
        "event_type" varchar(128) NOT NULL,
        "paths" text[] NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "workflow_event_wait_shapes_pkey" PRIMARY KEY ("tenant_id", "event_type", "paths")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "workflow_event_wait_shapes"`);
    await queryRunner.query(`DROP TABLE "workflow_event_waits"`);
    await queryRunner.query(`DROP TABLE "workflow_signals"`);
    await queryRunner.query(`DROP INDEX "workflow_tasks_wake"`);
    await queryRunner.query(
      `ALTER TABLE "workflow_tasks" DROP CONSTRAINT "workflow_tasks_kind_check"`,
    );
    await queryRunner.query(`DELETE FROM "workflow_tasks" WHERE "kind" <> 'task'`);
    await queryRunner.query(
      `ALTER TABLE "workflow_tasks" DROP CONSTRAINT "workflow_tasks_status_check"`,
    );
    await queryRunner.query(`
      ALTER TABLE "workflow_tasks" ADD CONSTRAINT "workflow_tasks_status_check"
        CHECK ("status" IN ('queued', 'claimed', 'succeeded', 'failed', 'cancelled', 'timed_out'))`);
    await queryRunner.query(`
      ALTER TABLE "workflow_tasks" DROP COLUMN "kind", DROP COLUMN "wait_for", DROP COLUMN "wake_at"`);
  }
}
