import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Shared rate limits: one token bucket per (tenant, key), refilled lazily by the claim
 * statement, which takes a task's units from it under the bucket's row lock. A task of a step
 * naming a rate limit carries its key and units (resolved when it is queued), and a partial
 * index finds the queued tasks of a key (what a claim that found none claimable asks: which
 * key held them back, and when it has tokens again).
 */
export class CreateRateLimits1763800015000 implements MigrationInterface {
  name = 'CreateRateLimits1763800015000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "rate_limits" (
        "tenant_id" varchar(64) NOT NULL REFERENCES "tenants" ("id"),
        "key" varchar(64) NOT NULL,
        "per_minute" double precision NOT NULL,
        "burst" double precision NOT NULL,
        "tokens" double precision NOT NULL,
        "refilled_at" timestamptz NOT NULL DEFAULT now(),
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "rate_limits_pkey" PRIMARY KEY ("tenant_id", "key"),
        CONSTRAINT "rate_limits_values_check"
          CHECK ("per_minute" > 0 AND "burst" >= 1 AND "tokens" >= 0 AND "tokens" <= "burst")
      )`);
    await queryRunner.query(`ALTER TABLE "workflow_tasks" ADD "rate_limit_key" varchar(64)`);
    await queryRunner.query(`ALTER TABLE "workflow_tasks" ADD "rate_units" double precision`);
    await queryRunner.query(
      `ALTER TABLE "workflow_tasks" ADD CONSTRAINT "workflow_tasks_rate_units_check"
         CHECK (("rate_limit_key" IS NULL) = ("rate_units" IS NULL) AND "rate_units" > 0)`,
    );
    // The claim reads one lane per (skill, rate limit) in queue order: tasks naming no rate limit
    // ('') and those of each rate limit that has tokens, so a throttled key's backlog is never
    // read past by claims of other work.
    await queryRunner.query(`DROP INDEX "workflow_tasks_queue"`);
    await queryRunner.query(
      `CREATE INDEX "workflow_tasks_queue" ON "workflow_tasks"
        ("tenant_id", "skill", (coalesce("rate_limit_key", '')), "priority" DESC, "available_at", "id")
        WHERE "status" = 'queued'`,
    );
    // Which skills wait on a rate limit (woken when it is created or changed), and the runs it
    // holds back (workflow_runs_waiting): the few queued tasks that name one.
    await queryRunner.query(
      `CREATE INDEX "workflow_tasks_rate_limited" ON "workflow_tasks" ("tenant_id", "rate_limit_key")
        WHERE "status" = 'queued' AND "rate_limit_key" IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "workflow_tasks_rate_limited"`);
    await queryRunner.query(`DROP INDEX "workflow_tasks_queue"`);
    await queryRunner.query(
      `CREATE INDEX "workflow_tasks_queue" ON "workflow_tasks"
        ("tenant_id", "skill", "priority" DESC, "available_at", "id") WHERE "status" = 'queued'`,
    );
    await queryRunner.query(
      `ALTER TABLE "workflow_tasks" DROP CONSTRAINT "workflow_tasks_rate_units_check"`,
    );
    await queryRunner.query(`ALTER TABLE "workflow_tasks" DROP COLUMN "rate_units"`);
    await queryRunner.query(`ALTER TABLE "workflow_tasks" DROP COLUMN "rate_limit_key"`);
    await queryRunner.query(`DROP TABLE "rate_limits"`);
  }
}
