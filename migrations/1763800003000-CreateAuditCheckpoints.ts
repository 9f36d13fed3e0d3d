import { MigrationInterface, QueryRunner } from 'typeorm';

/** Ed25519-signed heads of the audit chain; append-only like the chain itself. */
export class CreateAuditCheckpoints1763800003000 implements MigrationInterface {
  name = 'CreateAuditCheckpoints1763800003000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "audit_checkpoints" (
        "seq" bigint PRIMARY KEY,
        "hash" char(64) NOT NULL,
        "signed_at" varchar(32) NOT NULL,
        "public_key" varchar(64) NOT NULL,
        "signature" varchar(128) NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TRIGGER "audit_checkpoints_no_update_delete" BEFORE UPDATE OR DELETE
      ON "audit_checkpoints" FOR EACH ROW EXECUTE FUNCTION "audit_append_only"()`);
    await queryRunner.query(`
      CREATE TRIGGER "audit_checkpoints_no_truncate" BEFORE TRUNCATE ON "audit_checkpoints"
      FOR EACH STATEMENT EXECUTE FUNCTION "audit_append_only"()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "audit_checkpoints"`);
  }
}
