import { MigrationInterface, QueryRunner } from 'typeorm';

/** Sub-buckets per rate limit: burst / MAX_SHARDS units each at least, so up to this many. */
const MAX_SHARDS = 8;

/**
 * A rate limit's bucket split into sub-buckets (`rate_limit_shards`), so that concurrent claims
 * under one limit take tokens from different rows instead of queueing on the limit's one row
 * until each commits. A limit of burst b and rate r has n = min(8, floor(b)) sub-buckets, each
 * a token bucket of burst b / n refilled at r / n: together they never hold more than b nor
 * earn more than r, so the limit stays exact whichever sub-buckets the claims take from
 * (claim-statement.ts). Each sub-bucket carries its share of the rate and burst, so a claim
 * that locks one computes its content from that row alone (a PATCH committing meanwhile is
 * seen whole). The limit's row keeps what was configured; its content moves to the sub-buckets,
 * split evenly.
 */
export class RateLimitShards1763800170000 implements MigrationInterface {
  name = 'RateLimitShards1763800170000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "rate_limit_shards" (
        "tenant_id" varchar(64) NOT NULL,
        "key" varchar(64) NOT NULL,
        "shard" smallint NOT NULL,
        "per_minute" double precision NOT NULL,
        "burst" double precision NOT NULL,
        "tokens" double precision NOT NULL,
        "refilled_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "rate_limit_shards_pkey" PRIMARY KEY ("tenant_id", "key", "shard"),
        CONSTRAINT "rate_limit_shards_limit_fkey" FOREIGN KEY ("tenant_id", "key")
          REFERENCES "rate_limits" ("tenant_id", "key") ON DELETE CASCADE,
        CONSTRAINT "rate_limit_shards_values_check"
          CHECK ("shard" >= 0 AND "per_minute" > 0 AND "burst" > 0 AND "tokens" >= 0
                 AND "tokens" <= "burst")
      )`);
    await queryRunner.query(`
      INSERT INTO "rate_limit_shards" ("tenant_id", "key", "shard", "per_minute", "burst", "tokens")
      SELECT l."tenant_id", l."key", s.shard, l."per_minute" / n.count, l."burst" / n.count,
             least(l."burst" / n.count,
                   least(l."burst", l."tokens" + greatest(0, extract(epoch FROM now() - l."refilled_at"))
                                                 * l."per_minute" / 60) / n.count)
        FROM "rate_limits" l
       CROSS JOIN LATERAL (SELECT least(${MAX_SHARDS}, greatest(1, floor(l."burst")))::int AS count) n
       CROSS JOIN LATERAL generate_series(0, n.count - 1) AS s(shard)`);
    await queryRunner.query(`ALTER TABLE "rate_limits" DROP CONSTRAINT "rate_limits_values_check"`);
    await queryRunner.query(`ALTER TABLE "rate_limits" DROP COLUMN "tokens"`);
    await queryRunner.query(`ALTER TABLE "rate_limits" DROP COLUMN "refilled_at"`);
    await queryRunner.query(
      `ALTER TABLE "rate_limits" ADD CONSTRAINT "rate_limits_values_check"
         CHECK ("per_minute" > 0 AND "burst" >= 1)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "rate_limits" DROP CONSTRAINT "rate_limits_values_check"`);
    await queryRunner.query(`ALTER TABLE "rate_limits" ADD "tokens" double precision`);
    await queryRunner.query(
      `ALTER TABLE "rate_limits" ADD "refilled_at" timestamptz NOT NULL DEFAULT now()`,
    );
    await queryRunner.query(`
      UPDATE "rate_limits" l
         SET "tokens" = least(l."burst", coalesce((
               SELECT sum(least(s."burst", s."tokens"
                 + greatest(0, extract(epoch FROM now() - s."refilled_at")) * s."per_minute" / 60))
                 FROM "rate_limit_shards" s
                WHERE s."tenant_id" = l."tenant_id" AND s."key" = l."key"), 0))`);
    await queryRunner.query(`ALTER TABLE "rate_limits" ALTER COLUMN "tokens" SET NOT NULL`);
    await queryRunner.query(
      `ALTER TABLE "rate_limits" ADD CONSTRAINT "rate_limits_values_check"
         CHECK ("per_minute" > 0 AND "burst" >= 1 AND "tokens" >= 0 AND "tokens" <= "burst")`,
    );
    await queryRunner.query(`DROP TABLE "rate_limit_shards"`);
  }
}
