import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit trail: `audit_entries` is written inside business transactions; `audit_chain` is
 * written only by the sealer. Both are append-only, enforced by triggers (row-level for UPDATE
 * and DELETE, statement-level for TRUNCATE, which row triggers never see).
 */
export class CreateAudit1763800002000 implements MigrationInterface {
  name = 'CreateAudit1763800002000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "audit_entries" (
        "id" uuid PRIMARY KEY,
        "tenant_id" varchar(64),
        "occurred_at" varchar(32) NOT NULL,
        "actor_type" varchar(16) NOT NULL,
        "actor_id" varchar(128) NOT NULL,
        "action" varchar(64) NOT NULL,
        "resource_type" varchar(64) NOT NULL,
        "resource_id" varchar(200) NOT NULL,
        "correlation_id" varchar(200),
        "ip" varchar(64),
        "user_agent" varchar(512),
        "before" jsonb,
        "after" jsonb,
        "txid" bigint NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX "audit_entries_txid_id" ON "audit_entries" ("txid", "id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "audit_entries_tenant_occurred" ON "audit_entries" ("tenant_id", "occurred_at", "id")`,
    );
    await queryRunner.query(`
      CREATE TABLE "audit_chain" (
        "seq" bigint PRIMARY KEY,
        "entry_id" uuid NOT NULL,
        "prev_hash" char(64) NOT NULL,
        "hash" char(64) NOT NULL,
        CONSTRAINT "audit_chain_entry_id_unique" UNIQUE ("entry_id")
      )`);
    await queryRunner.query(`
      CREATE FUNCTION "audit_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit tables are append-only: % on % is refused', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    for (const table of ['audit_entries', 'audit_chain']) {
      await queryRunner.query(`
        CREATE TRIGGER "${table}_no_update_delete" BEFORE UPDATE OR DELETE ON "${table}"
        FOR EACH ROW EXECUTE FUNCTION "audit_append_only"()`);
      await queryRunner.query(`
        CREATE TRIGGER "${table}_no_truncate" BEFORE TRUNCATE ON "${table}"
        FOR EACH STATEMENT EXECUTE FUNCTION "audit_append_only"()`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // DROP TABLE is not TRUNCATE or DELETE: the triggers go with the tables.
    await queryRunner.query(`DROP TABLE "audit_chain"`);
    await queryRunner.query(`DROP TABLE "audit_entries"`);
    await queryRunner.query(`DROP FUNCTION "audit_append_only"()`);
  }
}
