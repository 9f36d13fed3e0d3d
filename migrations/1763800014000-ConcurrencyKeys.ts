import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Concurrency keys: a definition's `concurrency` ({key, limit, strategy}), and on each run
 * started from it the key value it is grouped by, its limit and strategy, whether it waits for
 * a slot or holds one, and since when (the queue's order). The partial index holds only the
 * unfinished runs of a key: what the slot count, the queue and its promotion read.
 */
export class ConcurrencyKeys1763800014000 implements MigrationInterface {
  name = 'ConcurrencyKeys1763800014000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "workflow_definitions" ADD "concurrency" jsonb`);
    await queryRunner.query(`
      ALTER TABLE "workflow_runs"
        ADD "concurrency_key" text,
        ADD "concurrency_limit" integer,
        ADD "concurrency_strategy" varchar(24),
        ADD "concurrency_state" varchar(8),
        ADD "concurrency_since" timestamptz`);
    await queryRunner.query(
      `ALTER TABLE "workflow_runs" ADD CONSTRAINT "workflow_runs_concurrency_state_check"
         CHECK ("concurrency_state" IN ('waiting', 'holding'))`,
    );
    await queryRunner.query(
      `CREATE INDEX "workflow_runs_concurrency" ON "workflow_runs"
         ("tenant_id", "type", "concurrency_key", "concurrency_state", "concurrency_since", "id")
        WHERE "concurrency_state" IS NOT NULL AND "status" IN ('pending', 'running')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "workflow_runs_concurrency"`);
    // Runs still waiting for a slot cannot be kept (nothing would ever start them).
    await queryRunner.query(
      `UPDATE "workflow_runs" SET "status" = 'cancelled', "finished_at" = now()
        WHERE "concurrency_state" = 'waiting' AND "status" IN ('pending', 'running')`,
    );
    await queryRunner.query(
      `ALTER TABLE "workflow_runs" DROP CONSTRAINT "workflow_runs_concurrency_state_check"`,
    );
    await queryRunner.query(`
      ALTER TABLE "workflow_runs"
        DROP COLUMN "concurrency_since",
        DROP COLUMN "concurrency_state",
        DROP COLUMN "concurrency_strategy",
        DROP COLUMN "concurrency_limit",
        DROP COLUMN "concurrency_key"`);
    await queryRunner.query(`ALTER TABLE "workflow_definitions" DROP COLUMN "concurrency"`);
  }
}
