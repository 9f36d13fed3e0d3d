import { MigrationInterface, QueryRunner } from 'typeorm';

/** The outbox: every domain event, written in the transaction of the change that caused it. */
export class CreateEvents1763800005000 implements MigrationInterface {
  name = 'CreateEvents1763800005000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "events" (
        "position" bigint GENERATED ALWAYS AS IDENTITY,
        "id" uuid NOT NULL,
        "tenant_id" varchar(64) REFERENCES "tenants" ("id"),
        "type" varchar(128) NOT NULL,
        "occurred_at" timestamptz NOT NULL DEFAULT clock_timestamp(),
        "subject_type" varchar(64) NOT NULL,
        "subject_id" varchar(200) NOT NULL,
        "data" jsonb NOT NULL,
        "correlation_id" varchar(200),
        "dispatched_at" timestamptz,
        "dispatch_attempts" integer NOT NULL DEFAULT 0,
        "dispatch_error" varchar(2000),
        "next_dispatch_at" timestamptz,
        CONSTRAINT "events_pkey" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "events_undispatched" ON "events" ("position") WHERE "dispatched_at" IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "events_subject" ON "events" ("tenant_id", "subject_type", "subject_id", "position")`,
    );
    await queryRunner.query(
      `CREATE INDEX "events_dispatched_at" ON "events" ("dispatched_at") WHERE "dispatched_at" IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "events"`);
  }
}
