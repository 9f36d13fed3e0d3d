import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The webhooks module's copy of each run receipt's hash, by the id of the event that finished
 * the run: what stamps `receiptHash` into that event's deliveries, whichever of the fan-out and
 * the receipt comes first.
 */
export class CreateWebhookReceiptHashes1763800031000 implements MigrationInterface {
  name = 'CreateWebhookReceiptHashes1763800031000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "webhook_receipt_hashes" (
        "event_id" uuid NOT NULL,
        "tenant_id" varchar(64) NOT NULL,
        "receipt_hash" char(64) NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "webhook_receipt_hashes_pkey" PRIMARY KEY ("event_id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "webhook_receipt_hashes_created_at" ON "webhook_receipt_hashes" ("created_at")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "webhook_receipt_hashes"`);
  }
}
