import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Deferred quarantines: an agent whose outcomes for a skill would quarantine it while no other
 * healthy agent of its tenant has the skill is not quarantined (that would stop the skill's
 * work); it is recorded here instead, and quarantined once another agent can take the skill's
 * tasks, or the row is dropped when its outcomes no longer warrant a quarantine.
 *
 * No default changes here: a tenant's stored `routing_settings` row keeps its threshold (0 may
 * be an operator's deliberate "off"); tenants without a row follow the service's defaults.
 */
export class QuarantineDeferrals1763800110000 implements MigrationInterface {
  name = 'QuarantineDeferrals1763800110000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "agent_quarantine_deferrals" (
        "tenant_id" varchar(64) NOT NULL,
        "agent_id" varchar(64) NOT NULL,
        "skill_id" varchar(64) NOT NULL,
        "since" timestamptz NOT NULL DEFAULT now(),
        "lower_bound" double precision NOT NULL,
        "successes" integer NOT NULL,
        "samples" integer NOT NULL,
        CONSTRAINT "agent_quarantine_deferrals_pkey"
          PRIMARY KEY ("tenant_id", "agent_id", "skill_id")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "agent_quarantine_deferrals"`);
  }
}
