import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateTenants1763800000000 implements MigrationInterface {
  name = 'CreateTenants1763800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "tenants" (
        "id" varchar(64) PRIMARY KEY,
        "name" varchar(200) NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "tenants_id_format" CHECK ("id" ~ '^[a-z0-9][a-z0-9-]{0,63}$')
      )`);
    await queryRunner.query(`INSERT INTO "tenants" ("id", "name") VALUES ('default', 'Default')`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "tenants"`);
  }
}
