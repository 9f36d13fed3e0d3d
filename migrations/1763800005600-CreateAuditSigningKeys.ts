import { MigrationInterface, QueryRunner } from 'typeorm';

/** Public keys the sealers have signed checkpoints with; append-only like the chain. */
export class CreateAuditSigningKeys1763800005600 implements MigrationInterface {
  name = 'CreateAuditSigningKeys1763800005600';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "audit_signing_keys" (
        "public_key" varchar(64) PRIMARY KEY,
        "key_id" char(16) NOT NULL,
        "registered_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TRIGGER "audit_signing_keys_no_update_delete" BEFORE UPDATE OR DELETE
      ON "audit_signing_keys" FOR EACH ROW EXECUTE FUNCTION "audit_append_only"()`);
    await queryRunner.query(`
      CREATE TRIGGER "audit_signing_keys_no_truncate" BEFORE TRUNCATE ON "audit_signing_keys"
      FOR EACH STATEMENT EXECUTE FUNCTION "audit_append_only"()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "audit_signing_keys"`);
  }
}
