import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `GET /workflows/summary` and `GET /webhooks/deliveries/summary` count a tenant's runs created
 * and finished, and its deliveries created, since a time, by status. These indexes carry the
 * status (a key column: TypeORM's entity indexes have no INCLUDE), so each count is an
 * index-only scan of the window instead of a walk of every row of the tenant. On large tables, build them ahead with `CREATE INDEX CONCURRENTLY` under the same
 * names; the migration then finds them.
 */
export class SummaryIndexes1763800060000 implements MigrationInterface {
  name = 'SummaryIndexes1763800060000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS "workflow_runs_tenant_created"
         ON "workflow_runs" ("tenant_id", "created_at", "status")`,
    );
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS "workflow_runs_tenant_finished"
         ON "workflow_runs" ("tenant_id", "finished_at", "status")
         WHERE "finished_at" IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS "webhook_deliveries_tenant_created"
         ON "webhook_deliveries" ("tenant_id", "created_at", "status")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "webhook_deliveries_tenant_created"`);
    await queryRunner.query(`DROP INDEX "workflow_runs_tenant_finished"`);
    await queryRunner.query(`DROP INDEX "workflow_runs_tenant_created"`);
  }
}
