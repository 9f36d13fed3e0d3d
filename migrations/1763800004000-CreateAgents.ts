import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateAgents1763800004000 implements MigrationInterface {
  name = 'CreateAgents1763800004000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "agents" (
        "tenant_id" varchar(64) NOT NULL REFERENCES "tenants" ("id"),
        "id" varchar(64) NOT NULL,
        "name" varchar(200) NOT NULL,
        "description" varchar(2000),
        "endpoint" varchar(2048),
        "version" varchar(64),
        "labels" jsonb NOT NULL DEFAULT '{}',
        "heartbeat_interval_seconds" integer NOT NULL,
        "status" varchar(16) NOT NULL,
        "in_flight" integer,
        "load" double precision,
        "last_heartbeat_at" timestamptz NOT NULL,
        "revision" integer NOT NULL DEFAULT 1,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "agents_pkey" PRIMARY KEY ("tenant_id", "id"),
        CONSTRAINT "agents_status_check" CHECK ("status" IN ('online', 'degraded', 'draining', 'offline'))
      )`);
    await queryRunner.query(
      `CREATE INDEX "agents_tenant_status_id" ON "agents" ("tenant_id", "status", "id")`,
    );
    await queryRunner.query(`
      CREATE TABLE "agent_skills" (
        "tenant_id" varchar(64) NOT NULL,
        "agent_id" varchar(64) NOT NULL,
        "skill_id" varchar(64) NOT NULL,
        "name" varchar(200) NOT NULL,
        "name_key" varchar(200) NOT NULL,
        "description" varchar(2000),
        "tags" text[] NOT NULL DEFAULT '{}',
        "examples" text[] NOT NULL DEFAULT '{}',
        CONSTRAINT "agent_skills_pkey" PRIMARY KEY ("tenant_id", "agent_id", "skill_id"),
        CONSTRAINT "agent_skills_agent_fkey" FOREIGN KEY ("tenant_id", "agent_id")
          REFERENCES "agents" ("tenant_id", "id") ON DELETE CASCADE
      )`);
    await queryRunner.query(
      `CREATE INDEX "agent_skills_tenant_skill" ON "agent_skills" ("tenant_id", "skill_id", "agent_id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "agent_skills_tenant_name" ON "agent_skills" ("tenant_id", "name_key", "agent_id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "agent_skills_tags" ON "agent_skills" USING gin ("tags")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "agent_skills"`);
    await queryRunner.query(`DROP TABLE "agents"`);
  }
}
