import { MigrationInterface, QueryRunner } from 'typeorm';

/** Trigram indexes so discovery's `?q=` (ILIKE on name and description) is not a scan. */
export class IndexAgentText1763800005700 implements MigrationInterface {
  name = 'IndexAgentText1763800005700';

  async up(queryRunner: QueryRunner): Promise<void> {
    // pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await queryRunner.query(
      `CREATE INDEX "agents_name_trgm" ON "agents" USING gin ("name" gin_trgm_ops)`,
    );
    await queryRunner.query(
      `CREATE INDEX "agents_description_trgm" ON "agents" USING gin ("description" gin_trgm_ops)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "agents_description_trgm"`);
    await queryRunner.query(`DROP INDEX "agents_name_trgm"`);
  }
}
