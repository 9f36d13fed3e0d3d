import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes that let /metrics count by status without reading a table whole: agents by status
 * (`agents_tenant_status_id` starts with the tenant, so a count over every tenant of a rare
 * status walked all of it), and unfinished runs by status, tenant and type (the runs by
 * status, the waiting runs of a paused definition; finished runs, the bulk of the table, are
 * left out). On large tables, build them first with `CREATE INDEX CONCURRENTLY` under the same
 * names; this migration then finds them.
 */
export class MetricIndexes1763800150000 implements MigrationInterface {
  name = 'MetricIndexes1763800150000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS "agents_status" ON "agents" ("status")`);
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS "workflow_runs_unfinished" ON "workflow_runs" ("status", "tenant_id", "type")
        WHERE status IN ('scheduled', 'pending', 'running', 'budget_exceeded')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "workflow_runs_unfinished"`);
    await queryRunner.query(`DROP INDEX "agents_status"`);
  }
}
