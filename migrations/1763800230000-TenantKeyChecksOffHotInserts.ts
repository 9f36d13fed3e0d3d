import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The two tables written on every step of every run, tasks and the event outbox, no longer
 * check their tenant against `tenants` on each insert. That check ran a query per row and took
 * a share lock on the tenant's one row, so every writer of a tenant locked the same row (shared
 * by many transactions at once, which PostgreSQL records as a multixact). 10,000 rows in one
 * statement: events 255-325 → 175-190 ms, tasks 350-410 → 275-295 ms; the 10,000 sleeps
 * resumed at once (bench) spent 2.87-3.06 s of database CPU instead of 3.33-3.49 s.
 * Nothing is lost: tenants are never deleted, a task's tenant is its run's (the run checks
 * its tenant, the task its run), and an event's tenant comes from the change that wrote it.
 */
export class TenantKeyChecksOffHotInserts1763800230000 implements MigrationInterface {
  name = 'TenantKeyChecksOffHotInserts1763800230000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "workflow_tasks" DROP CONSTRAINT "workflow_tasks_tenant_id_fkey"`,
    );
    await queryRunner.query(`ALTER TABLE "events" DROP CONSTRAINT "events_tenant_id_fkey"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "workflow_tasks" ADD CONSTRAINT "workflow_tasks_tenant_id_fkey"
         FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id")`,
    );
    await queryRunner.query(
      `ALTER TABLE "events" ADD CONSTRAINT "events_tenant_id_fkey"
         FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id")`,
    );
  }
}
