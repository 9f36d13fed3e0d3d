import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `response_headers` of an idempotency key: the headers its first answer set besides the body
 * (an agent's `ETag`, an A2A push config's `Webhook-Secret`), replayed with it. A repeat that
 * lacked them left a client whose first answer was lost without the ETag its next update
 * needs, or without the only copy of the secret that signs its notifications. Null for keys
 * stored before (they replay as they did). No table rewrite.
 */
export class IdempotentHeaders1763800310000 implements MigrationInterface {
  name = 'IdempotentHeaders1763800310000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "idempotency_keys" ADD COLUMN "response_headers" jsonb`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "idempotency_keys" DROP COLUMN "response_headers"`);
  }
}
