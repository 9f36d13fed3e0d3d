import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Outcome-aware routing and quarantine.
 *
 * - `routing_settings`: a tenant's quarantine and routing policy (absent: the defaults).
 * - `agent_skill_outcomes`: each agent's latest outcomes for a skill (true: succeeded), newest
 *   last, at most the tenant's window; emptied when a quarantine ends (a fresh window).
 * - `agent_quarantines`: an agent kept from a skill's tasks until `until`.
 * - `agent_claim_waits`: agents whose claim is waiting for work (long-poll), until when: the
 *   candidates of an outcome-routed task, seen alike by every replica.
 * - `workflow_tasks.reserved_for` / `reserved_until`: the agent an outcome-routed task was
 *   drawn for, and until when only it may claim it.
 */
export class OutcomeRouting1763800050000 implements MigrationInterface {
  name = 'OutcomeRouting1763800050000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "routing_settings" (
        "tenant_id" varchar(64) NOT NULL,
        "quarantine_threshold" double precision NOT NULL,
        "quarantine_min_samples" integer NOT NULL,
        "outcome_window" integer NOT NULL,
        "quarantine_cooldown_seconds" integer NOT NULL,
        "reservation_ms" integer NOT NULL,
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "routing_settings_pkey" PRIMARY KEY ("tenant_id"),
        CONSTRAINT "routing_settings_tenant_id_fkey" FOREIGN KEY ("tenant_id")
          REFERENCES "tenants" ("id"),
        CONSTRAINT "routing_settings_check" CHECK (
          "quarantine_threshold" >= 0 AND "quarantine_threshold" < 1
          AND "quarantine_min_samples" BETWEEN 1 AND 1000
          AND "outcome_window" BETWEEN "quarantine_min_samples" AND 1000
          AND "quarantine_cooldown_seconds" BETWEEN 1 AND 2592000
          AND "reservation_ms" BETWEEN 50 AND 60000)
      )`);
    await queryRunner.query(`
      CREATE TABLE "agent_skill_outcomes" (
        "tenant_id" varchar(64) NOT NULL,
        "agent_id" varchar(64) NOT NULL,
        "skill_id" varchar(64) NOT NULL,
        "recent" boolean[] NOT NULL DEFAULT '{}',
        CONSTRAINT "agent_skill_outcomes_pkey" PRIMARY KEY ("tenant_id", "agent_id", "skill_id")
      )`);
    await queryRunner.query(`
      CREATE TABLE "agent_quarantines" (
        "tenant_id" varchar(64) NOT NULL,
        "agent_id" varchar(64) NOT NULL,
        "skill_id" varchar(64) NOT NULL,
        "since" timestamptz NOT NULL DEFAULT now(),
        "until" timestamptz NOT NULL,
        "lower_bound" double precision NOT NULL,
        "successes" integer NOT NULL,
        "samples" integer NOT NULL,
        CONSTRAINT "agent_quarantines_pkey" PRIMARY KEY ("tenant_id", "agent_id", "skill_id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "agent_quarantines_until" ON "agent_quarantines" ("until")`,
    );
    await queryRunner.query(`
      CREATE TABLE "agent_claim_waits" (
        "tenant_id" varchar(64) NOT NULL,
        "agent_id" varchar(64) NOT NULL,
        "until" timestamptz NOT NULL,
        CONSTRAINT "agent_claim_waits_pkey" PRIMARY KEY ("tenant_id", "agent_id")
      )`);
    await queryRunner.query(`
      ALTER TABLE "workflow_tasks"
        ADD COLUMN "reserved_for" varchar(64),
        ADD COLUMN "reserved_until" timestamptz`);
    await queryRunner.query(`
      ALTER TABLE "workflow_tasks" ADD CONSTRAINT "workflow_tasks_reserved_check"
        CHECK (("reserved_for" IS NULL) = ("reserved_until" IS NULL))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "workflow_tasks" DROP CONSTRAINT "workflow_tasks_reserved_check"`,
    );
    await queryRunner.query(
      `ALTER TABLE "workflow_tasks" DROP COLUMN "reserved_for", DROP COLUMN "reserved_until"`,
    );
    await queryRunner.query(`DROP TABLE "agent_claim_waits"`);
    await queryRunner.query(`DROP TABLE "agent_quarantines"`);
    await queryRunner.query(`DROP TABLE "agent_skill_outcomes"`);
    await queryRunner.query(`DROP TABLE "routing_settings"`);
  }
}
