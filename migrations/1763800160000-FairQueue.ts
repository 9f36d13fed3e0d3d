import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Round robin between the values of a run's concurrency key (start-time fair queuing).
 *
 * Every queued task gets a rank, `fair_at`, and the queue index orders by it in place of
 * `available_at`:
 * - a task of a run without a concurrency key ranks at `available_at`, as it always did;
 * - a task of a keyed run (its flow: the definition and the key's value) ranks one quantum
 *   (1 s of queue time, not of waiting: nothing waits for a rank) after the last queued task
 *   of its flow, or, when its flow has none queued, at the head of the keyed tasks of its
 *   skill (the queue's virtual time): so a value with 100,000 queued tasks takes one turn in
 *   each round against a value with ten, instead of standing in front of them, and a value
 *   that arrives joins the round where it is, with no credit for the time it was idle.
 *
 * The rank is given by a BEFORE trigger on insert and whenever a task is queued again (retry,
 * lease expiry, budget raised), so every path that queues a task ranks it, and a claim pays
 * nothing: it reads the index in rank order. The two look-ups the trigger makes are partial
 * indexes over the queued tasks of keyed runs only; runs without a key pay one primary-key
 * read of their run per queued task. `available_at <= now()` is still required to claim; a
 * task that may not be claimed yet (a retry's backoff) ranks no earlier than its
 * `available_at`, so the claim's scan meets such rows only past now.
 */
export class FairQueue1763800160000 implements MigrationInterface {
  name = 'FairQueue1763800160000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "workflow_tasks" ADD "fair_flow" text`);
    await queryRunner.query(`ALTER TABLE "workflow_tasks" ADD "fair_at" timestamptz`);
    await queryRunner.query(`
      CREATE FUNCTION workflow_tasks_fair_rank() RETURNS trigger
      LANGUAGE plpgsql AS $$
      DECLARE
        last_rank timestamptz;
        head_rank timestamptz;
      BEGIN
        IF TG_OP = 'INSERT' OR NEW.fair_flow IS NULL THEN
          SELECT CASE WHEN r.concurrency_key IS NULL THEN NULL
                      ELSE r.type || E'\\n' || r.concurrency_key END
            INTO NEW.fair_flow
            FROM workflow_runs r WHERE r.id = NEW.run_id;
        END IF;
        IF NEW.fair_flow IS NULL THEN
          NEW.fair_at := NEW.available_at;
          RETURN NEW;
        END IF;
        SELECT max(t.fair_at) INTO last_rank FROM workflow_tasks t
         WHERE t.tenant_id = NEW.tenant_id AND t.fair_flow = NEW.fair_flow
           AND t.status = 'queued' AND t.id <> NEW.id;
        IF last_rank IS NOT NULL THEN
          -- Its flow's next turn. In queue time, not wall time: a task of a busy flow queued a
          -- minute after its predecessor still takes the next turn, not one a minute on.
          NEW.fair_at := CASE WHEN NEW.available_at > now()
                              THEN greatest(NEW.available_at, last_rank + interval '1 second')
                              ELSE last_rank + interval '1 second' END;
          RETURN NEW;
        END IF;
        SELECT min(t.fair_at) INTO head_rank FROM workflow_tasks t
         WHERE t.tenant_id = NEW.tenant_id AND t.skill = NEW.skill
           AND t.status = 'queued' AND t.fair_flow IS NOT NULL AND t.id <> NEW.id;
        -- A flow arriving joins the keyed tasks' head (before or after now), unless it may not
        -- be claimed yet (a retry's backoff): then no earlier than that.
        NEW.fair_at := CASE WHEN NEW.available_at > now()
                            THEN greatest(NEW.available_at, head_rank)
                            ELSE coalesce(head_rank, NEW.available_at) END;
        RETURN NEW;
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER "workflow_tasks_fair_rank_insert" BEFORE INSERT ON "workflow_tasks"
        FOR EACH ROW WHEN (NEW.status = 'queued') EXECUTE FUNCTION workflow_tasks_fair_rank()`);
    await queryRunner.query(`
      CREATE TRIGGER "workflow_tasks_fair_rank_requeue" BEFORE UPDATE ON "workflow_tasks"
        FOR EACH ROW WHEN (NEW.status = 'queued' AND (OLD.status <> 'queued'
                           OR NEW.available_at IS DISTINCT FROM OLD.available_at))
        EXECUTE FUNCTION workflow_tasks_fair_rank()`);
    // Tasks queued before: their runs' keys, and a rank in the order they had.
    await queryRunner.query(
      `UPDATE "workflow_tasks" t
          SET "fair_flow" = CASE WHEN r.concurrency_key IS NULL THEN NULL
                                 ELSE r.type || E'\\n' || r.concurrency_key END,
              "fair_at" = t.available_at
         FROM "workflow_runs" r
        WHERE r.id = t.run_id AND t.status = 'queued'`,
    );
    await queryRunner.query(`DROP INDEX "workflow_tasks_queue"`);
    await queryRunner.query(
      `CREATE INDEX "workflow_tasks_queue" ON "workflow_tasks"
        ("tenant_id", "skill", (coalesce("rate_limit_key", '')), "priority" DESC, "fair_at", "id")
        WHERE "status" = 'queued'`,
    );
    await queryRunner.query(
      `CREATE INDEX "workflow_tasks_fair_flow" ON "workflow_tasks" ("tenant_id", "fair_flow", "fair_at")
        WHERE "status" = 'queued' AND "fair_flow" IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "workflow_tasks_fair_head" ON "workflow_tasks" ("tenant_id", "skill", "fair_at")
        WHERE "status" = 'queued' AND "fair_flow" IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "workflow_tasks_fair_head"`);
    await queryRunner.query(`DROP INDEX "workflow_tasks_fair_flow"`);
    await queryRunner.query(`DROP INDEX "workflow_tasks_queue"`);
    await queryRunner.query(
      `CREATE INDEX "workflow_tasks_queue" ON "workflow_tasks"
        ("tenant_id", "skill", (coalesce("rate_limit_key", '')), "priority" DESC, "available_at", "id")
        WHERE "status" = 'queued'`,
    );
    await queryRunner.query(`DROP TRIGGER "workflow_tasks_fair_rank_requeue" ON "workflow_tasks"`);
    await queryRunner.query(`DROP TRIGGER "workflow_tasks_fair_rank_insert" ON "workflow_tasks"`);
    await queryRunner.query(`DROP FUNCTION workflow_tasks_fair_rank()`);
    await queryRunner.query(`ALTER TABLE "workflow_tasks" DROP COLUMN "fair_at"`);
    await queryRunner.query(`ALTER TABLE "workflow_tasks" DROP COLUMN "fair_flow"`);
  }
}
