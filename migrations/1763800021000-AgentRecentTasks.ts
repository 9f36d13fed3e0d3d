import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `GET /agents/{id}/tasks`: an agent's tasks, latest claim first, for its page in the console.
 * Only rows that have an agent are indexed (queued and waiting ones have none).
 */
export class AgentRecentTasks1763800021000 implements MigrationInterface {
  name = 'AgentRecentTasks1763800021000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX "workflow_tasks_agent_recent"
         ON "workflow_tasks" ("tenant_id", "agent_id", "claimed_at", "id")
         WHERE "agent_id" IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "workflow_tasks_agent_recent"`);
  }
}
