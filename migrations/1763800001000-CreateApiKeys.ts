import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateApiKeys1763800001000 implements MigrationInterface {
  name = 'CreateApiKeys1763800001000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "api_keys" (
        "id" uuid PRIMARY KEY,
        "tenant_id" varchar(64) NOT NULL REFERENCES "tenants" ("id"),
        "name" varchar(200) NOT NULL,
        "prefix" varchar(16) NOT NULL,
        "key_hash" char(64) NOT NULL,
        "scopes" text[] NOT NULL,
        "agent_id" varchar(64),
        "expires_at" timestamptz,
        "revoked_at" timestamptz,
        "rotated_to" uuid,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "api_keys_key_hash_unique" UNIQUE ("key_hash")
      )`);
    await queryRunner.query(
      `CREATE INDEX "api_keys_tenant_id_id" ON "api_keys" ("tenant_id", "id")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "api_keys"`);
  }
}
