import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Outbound webhooks: endpoints, one message per event sent (the exact body that is signed),
 * one delivery per (endpoint, message), and every attempt of every delivery.
 */
export class CreateWebhookEndpoints1763800007000 implements MigrationInterface {
  name = 'CreateWebhookEndpoints1763800007000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "webhook_endpoints" (
        "id" uuid NOT NULL,
        "tenant_id" varchar(64) NOT NULL,
        "url" varchar(2048) NOT NULL,
        "description" varchar(500),
        "event_types" text array NOT NULL,
        "enabled" boolean NOT NULL DEFAULT true,
        "disabled_reason" varchar(16),
        "secret" varchar(128) NOT NULL,
        "previous_secret" varchar(128),
        "previous_secret_expires_at" timestamptz,
        "consecutive_failures" integer NOT NULL DEFAULT 0,
        "failing_since" timestamptz,
        "breaker_open_until" timestamptz,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "webhook_endpoints_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "webhook_endpoints_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants" ("id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "webhook_endpoints_tenant_id" ON "webhook_endpoints" ("tenant_id", "id")`,
    );
    await queryRunner.query(`
      CREATE TABLE "webhook_messages" (
        "id" uuid NOT NULL,
        "tenant_id" varchar(64) NOT NULL,
        "event_type" varchar(128) NOT NULL,
        "body" text NOT NULL,
        "correlation_id" varchar(200),
        "occurred_at" timestamptz NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "webhook_messages_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "webhook_messages_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants" ("id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "webhook_messages_created_at" ON "webhook_messages" ("created_at")`,
    );
    await queryRunner.query(`
      CREATE TABLE "webhook_deliveries" (
        "id" uuid NOT NULL,
        "tenant_id" varchar(64) NOT NULL,
        "endpoint_id" uuid NOT NULL,
        "message_id" uuid NOT NULL,
        "event_type" varchar(128) NOT NULL,
        "status" varchar(16) NOT NULL DEFAULT 'pending',
        "attempts" integer NOT NULL DEFAULT 0,
        "max_attempts" integer NOT NULL,
        "next_attempt_at" timestamptz,
        "leased_until" timestamptz,
        "last_status_code" integer,
        "last_error" varchar(2000),
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        "succeeded_at" timestamptz,
        CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "webhook_deliveries_endpoint_message_key" UNIQUE ("endpoint_id", "message_id"),
        CONSTRAINT "webhook_deliveries_status_check" CHECK ("status" IN ('pending', 'succeeded', 'failed', 'dead')),
        CONSTRAINT "webhook_deliveries_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants" ("id"),
        CONSTRAINT "webhook_deliveries_endpoint_id_fkey" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoints" ("id") ON DELETE CASCADE,
        CONSTRAINT "webhook_deliveries_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "webhook_messages" ("id") ON DELETE CASCADE
      )`);
    // The worker's queue: per endpoint, what is due first (finished deliveries leave it).
    await queryRunner.query(
      `CREATE INDEX "webhook_deliveries_due" ON "webhook_deliveries" ("endpoint_id", "next_attempt_at") WHERE "next_attempt_at" IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "webhook_deliveries_tenant_id" ON "webhook_deliveries" ("tenant_id", "id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "webhook_deliveries_tenant_endpoint" ON "webhook_deliveries" ("tenant_id", "endpoint_id", "id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "webhook_deliveries_message_id" ON "webhook_deliveries" ("message_id")`,
    );
    // The dead-letter count on /metrics.
    await queryRunner.query(
      `CREATE INDEX "webhook_deliveries_dead" ON "webhook_deliveries" ("endpoint_id") WHERE "status" = 'dead'`,
    );
    // Retention walks finished deliveries oldest first.
    await queryRunner.query(
      `CREATE INDEX "webhook_deliveries_finished" ON "webhook_deliveries" ("updated_at") WHERE "next_attempt_at" IS NULL`,
    );
    await queryRunner.query(`
      CREATE TABLE "webhook_attempts" (
        "id" uuid NOT NULL,
        "delivery_id" uuid NOT NULL,
        "attempted_at" timestamptz NOT NULL,
        "status_code" integer,
        "duration_ms" integer NOT NULL,
        "response_body" text,
        "error" varchar(2000),
        CONSTRAINT "webhook_attempts_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "webhook_attempts_delivery_id_fkey" FOREIGN KEY ("delivery_id") REFERENCES "webhook_deliveries" ("id") ON DELETE CASCADE
      )`);
    await queryRunner.query(
      `CREATE INDEX "webhook_attempts_delivery" ON "webhook_attempts" ("delivery_id", "attempted_at")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "webhook_attempts"`);
    await queryRunner.query(`DROP TABLE "webhook_deliveries"`);
    await queryRunner.query(`DROP TABLE "webhook_messages"`);
    await queryRunner.query(`DROP TABLE "webhook_endpoints"`);
  }
}
