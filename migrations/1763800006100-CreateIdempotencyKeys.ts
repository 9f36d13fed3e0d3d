import { MigrationInterface, QueryRunner } from 'typeorm';

/** Responses stored per tenant and Idempotency-Key, so a retried POST answers the same. */
export class CreateIdempotencyKeys1763800006100 implements MigrationInterface {
  name = 'CreateIdempotencyKeys1763800006100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "idempotency_keys" (
        "tenant_id" varchar(64) NOT NULL REFERENCES "tenants" ("id"),
        "key" varchar(255) NOT NULL,
        "request_hash" varchar(64) NOT NULL,
        "status_code" integer,
        "response_body" jsonb,
        "locked_at" timestamptz NOT NULL DEFAULT now(),
        "expires_at" timestamptz NOT NULL,
        CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY ("tenant_id", "key")
      )`);
    await queryRunner.query(
      `CREATE INDEX "idempotency_keys_expires_at" ON "idempotency_keys" ("expires_at")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "idempotency_keys"`);
  }
}
