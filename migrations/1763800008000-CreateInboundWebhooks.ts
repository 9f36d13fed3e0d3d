import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Inbound webhooks: the Standard Webhooks senders a tenant registered (`key` is unique across
 * tenants, since `/hooks/{key}` names no tenant), and every delivery received, kept byte for
 * byte. Deliveries are append-only, enforced by triggers as the audit tables are.
 */
export class CreateInboundWebhooks1763800008000 implements MigrationInterface {
  name = 'CreateInboundWebhooks1763800008000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "inbound_webhook_sources" (
        "key" varchar(64) NOT NULL,
        "tenant_id" varchar(64) NOT NULL,
        "description" varchar(500),
        "secret" varchar(200) NOT NULL,
        "previous_secret" varchar(200),
        "previous_secret_expires_at" timestamptz,
        "allowed_cidrs" text array NOT NULL DEFAULT '{}',
        "tolerance_seconds" integer NOT NULL DEFAULT 300,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "inbound_webhook_sources_pkey" PRIMARY KEY ("key"),
        CONSTRAINT "inbound_webhook_sources_tenant_id_fkey" FOREIGN KEY ("tenant_id")
          REFERENCES "tenants" ("id"),
        CONSTRAINT "inbound_webhook_sources_tolerance_check"
          CHECK ("tolerance_seconds" BETWEEN 1 AND 86400)
      )`);
    await queryRunner.query(
      `CREATE INDEX "inbound_webhook_sources_tenant_key" ON "inbound_webhook_sources" ("tenant_id", "key")`,
    );
    await queryRunner.query(`
      CREATE TABLE "inbound_webhooks" (
        "id" uuid NOT NULL,
        "tenant_id" varchar(64) NOT NULL,
        "source" varchar(64) NOT NULL,
        "delivery_id" varchar(200) NOT NULL,
        "event" varchar(128) NOT NULL,
        "status" varchar(16) NOT NULL,
        "reason" varchar(500),
        "headers" jsonb NOT NULL,
        "body" bytea NOT NULL,
        "source_ip" varchar(64),
        "received_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "inbound_webhooks_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "inbound_webhooks_tenant_id_fkey" FOREIGN KEY ("tenant_id")
          REFERENCES "tenants" ("id"),
        CONSTRAINT "inbound_webhooks_delivery_unique" UNIQUE ("tenant_id", "source", "delivery_id"),
        CONSTRAINT "inbound_webhooks_status_check" CHECK ("status" IN ('accepted', 'rejected'))
      )`);
    await queryRunner.query(
      `CREATE INDEX "inbound_webhooks_tenant_id" ON "inbound_webhooks" ("tenant_id", "id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "inbound_webhooks_tenant_source_id" ON "inbound_webhooks" ("tenant_id", "source", "id")`,
    );
    await queryRunner.query(`
      CREATE FUNCTION "inbound_webhooks_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'inbound webhooks are append-only: % on % is refused', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER "inbound_webhooks_no_update_delete" BEFORE UPDATE OR DELETE ON "inbound_webhooks"
      FOR EACH ROW EXECUTE FUNCTION "inbound_webhooks_append_only"()`);
    await queryRunner.query(`
      CREATE TRIGGER "inbound_webhooks_no_truncate" BEFORE TRUNCATE ON "inbound_webhooks"
      FOR EACH STATEMENT EXECUTE FUNCTION "inbound_webhooks_append_only"()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // DROP TABLE is not TRUNCATE or DELETE: the triggers go with the table.
    await queryRunner.query(`DROP TABLE "inbound_webhooks"`);
    await queryRunner.query(`DROP FUNCTION "inbound_webhooks_append_only"()`);
    await queryRunner.query(`DROP TABLE "inbound_webhook_sources"`);
  }
}
