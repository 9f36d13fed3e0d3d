import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `older_secrets` of outbound endpoints and inbound sources: the secrets retired before the
 * previous one that are still within their own overlap, `[{secret, expiresAt}]`. A second
 * rotation within the overlap used to drop the first old secret, which its rotation had
 * promised a day of signing (or of being accepted). `previous_secret` keeps the one retired
 * last, as before. A column with a constant default: no table rewrite.
 */
export class OlderSecrets1763800300000 implements MigrationInterface {
  name = 'OlderSecrets1763800300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['webhook_endpoints', 'inbound_webhook_sources']) {
      await queryRunner.query(
        `ALTER TABLE "${table}" ADD COLUMN "older_secrets" jsonb NOT NULL DEFAULT '[]'`,
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['webhook_endpoints', 'inbound_webhook_sources']) {
      await queryRunner.query(`ALTER TABLE "${table}" DROP COLUMN "older_secrets"`);
    }
  }
}
