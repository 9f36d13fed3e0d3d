import { MigrationInterface, QueryRunner } from 'typeorm';

/** Task outcomes per agent, skill and hour: what the leaderboard ranks. */
export class CreateAgentTaskStats1763800005500 implements MigrationInterface {
  name = 'CreateAgentTaskStats1763800005500';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "agent_task_stats" (
        "tenant_id" varchar(64) NOT NULL,
        "agent_id" varchar(64) NOT NULL,
        "skill_id" varchar(64) NOT NULL,
        "hour" timestamptz NOT NULL,
        "succeeded" integer NOT NULL DEFAULT 0,
        "failed" integer NOT NULL DEFAULT 0,
        "latency_histogram" integer[] NOT NULL DEFAULT '{}',
        CONSTRAINT "agent_task_stats_pkey" PRIMARY KEY ("tenant_id", "hour", "skill_id", "agent_id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "agent_task_stats_agent" ON "agent_task_stats" ("tenant_id", "agent_id", "hour")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "agent_task_stats"`);
  }
}
