import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `GET /audit?resourceType=&resourceId=` (a resource's history, e.g. one task's or one key's)
 * read the tenant's entries newest first and filtered them: at ten million entries a page took
 * seconds. This index serves it in (occurred_at, id) order. On a large audit table, build it
 * ahead with `CREATE INDEX CONCURRENTLY` under the same name; the migration then finds it.
 */
export class AuditResourceIndex1763800020000 implements MigrationInterface {
  name = 'AuditResourceIndex1763800020000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS "audit_entries_tenant_resource"
         ON "audit_entries" ("tenant_id", "resource_type", "resource_id", "occurred_at", "id")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "audit_entries_tenant_resource"`);
  }
}
