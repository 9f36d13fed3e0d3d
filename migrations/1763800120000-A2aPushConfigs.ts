import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A2A push notification configs ride the outbound webhook pipeline: each config is a webhook
 * endpoint of kind `a2a_push` (its URL, secret, breaker and deliveries), never matched by the
 * domain-event fan-out and hidden from the webhooks API, with the request headers A2A asks for
 * (`headers`). Its deliveries carry a `sequence`: an ordered endpoint gets them one at a time,
 * oldest first, so a task's updates arrive in order even across retries.
 */
export class A2aPushConfigs1763800120000 implements MigrationInterface {
  name = 'A2aPushConfigs1763800120000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "webhook_endpoints"
         ADD COLUMN "kind" varchar(16) NOT NULL DEFAULT 'webhook',
         ADD COLUMN "headers" jsonb,
         ADD CONSTRAINT "webhook_endpoints_kind_check" CHECK ("kind" IN ('webhook', 'a2a_push'))`,
    );
    await queryRunner.query(`ALTER TABLE "webhook_deliveries" ADD COLUMN "sequence" bigint`);
    await queryRunner.query(`CREATE SEQUENCE "webhook_deliveries_sequence_seq" AS bigint`);
    await queryRunner.query(`
      CREATE TABLE "a2a_push_configs" (
        "endpoint_id" uuid NOT NULL,
        "tenant_id" varchar(64) NOT NULL,
        "task_id" uuid NOT NULL,
        "config_id" varchar(64) NOT NULL,
        "token" varchar(512),
        "auth_scheme" varchar(64),
        "auth_credentials" varchar(4096),
        "pushed_status" text NOT NULL,
        "pushed_terminal" boolean NOT NULL DEFAULT false,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "a2a_push_configs_pkey" PRIMARY KEY ("endpoint_id"),
        CONSTRAINT "a2a_push_configs_task_config_key" UNIQUE ("tenant_id", "task_id", "config_id"),
        CONSTRAINT "a2a_push_configs_endpoint_id_fkey" FOREIGN KEY ("endpoint_id")
          REFERENCES "webhook_endpoints" ("id") ON DELETE CASCADE,
        CONSTRAINT "a2a_push_configs_tenant_id_fkey" FOREIGN KEY ("tenant_id")
          REFERENCES "tenants" ("id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "a2a_push_configs_task" ON "a2a_push_configs" ("task_id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "a2a_push_configs_terminal" ON "a2a_push_configs" ("endpoint_id")
        WHERE "pushed_terminal"`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM "webhook_endpoints" WHERE "kind" <> 'webhook'`);
    await queryRunner.query(`DROP TABLE "a2a_push_configs"`);
    await queryRunner.query(`DROP SEQUENCE "webhook_deliveries_sequence_seq"`);
    await queryRunner.query(`ALTER TABLE "webhook_deliveries" DROP COLUMN "sequence"`);
    await queryRunner.query(
      `ALTER TABLE "webhook_endpoints" DROP CONSTRAINT "webhook_endpoints_kind_check",
         DROP COLUMN "headers", DROP COLUMN "kind"`,
    );
  }
}
