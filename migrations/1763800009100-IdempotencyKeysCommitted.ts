import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `committed_at`: set in the same transaction as the change an idempotent request made. A key
 * whose change committed is never released or taken over, even when its response could not be
 * stored, so a retry can never make the change twice.
 */
export class IdempotencyKeysCommitted1763800009100 implements MigrationInterface {
  name = 'IdempotencyKeysCommitted1763800009100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "idempotency_keys" ADD COLUMN "committed_at" timestamptz`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "idempotency_keys" DROP COLUMN "committed_at"`);
  }
}
