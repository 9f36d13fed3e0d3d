import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Signed run receipts. `workflow_receipt_queue` holds the finished runs still waiting for
 * theirs (filled from `workflow.succeeded|failed|cancelled`, so the issuer never scans the
 * runs table); `workflow_receipts` keeps one receipt per finish of a run (a failed run retried
 * finishes again, and gets a new one).
 */
export class CreateWorkflowReceipts1763800030000 implements MigrationInterface {
  name = 'CreateWorkflowReceipts1763800030000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "workflow_receipt_queue" (
        "run_id" uuid NOT NULL,
        "event_id" uuid NOT NULL,
        "attempts" integer NOT NULL DEFAULT 0,
        "next_try_at" timestamptz NOT NULL DEFAULT now(),
        "last_error" varchar(2000),
        CONSTRAINT "workflow_receipt_queue_pkey" PRIMARY KEY ("run_id"),
        CONSTRAINT "workflow_receipt_queue_run_id_fkey" FOREIGN KEY ("run_id")
          REFERENCES "workflow_runs" ("id") ON DELETE CASCADE
      )`);
    await queryRunner.query(
      `CREATE INDEX "workflow_receipt_queue_due" ON "workflow_receipt_queue" ("next_try_at")`,
    );
    await queryRunner.query(`
      CREATE TABLE "workflow_receipts" (
        "run_id" uuid NOT NULL,
        "finished_at" timestamptz NOT NULL,
        "tenant_id" varchar(64) NOT NULL,
        "receipt" jsonb NOT NULL,
        "signature" varchar(128) NOT NULL,
        "key_id" varchar(16) NOT NULL,
        "public_key" varchar(64) NOT NULL,
        "receipt_hash" char(64) NOT NULL,
        "issued_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "workflow_receipts_pkey" PRIMARY KEY ("run_id", "finished_at"),
        CONSTRAINT "workflow_receipts_run_id_fkey" FOREIGN KEY ("run_id")
          REFERENCES "workflow_runs" ("id") ON DELETE CASCADE,
        CONSTRAINT "workflow_receipts_tenant_id_fkey" FOREIGN KEY ("tenant_id")
          REFERENCES "tenants" ("id")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "workflow_receipts"`);
    await queryRunner.query(`DROP TABLE "workflow_receipt_queue"`);
  }
}
