import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A queued task inserted with its rank (`fair_at`) already given is not ranked again by the
 * insert trigger (see the FairQueue migration). Only a statement that knows the task's run has
 * no concurrency key gives one, and gives what the trigger would: `available_at` (the wake's
 * bulk insert of the woken runs' next tasks, which has the runs' rows locked and pays one
 * trigger call and run read per task otherwise: 10-20 % of that insert). A keyed run's task
 * is always inserted without a rank, so the trigger ranks it among its flow's.
 */
export class FairRankGiven1763800220000 implements MigrationInterface {
  name = 'FairRankGiven1763800220000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "workflow_tasks_fair_rank_insert" ON "workflow_tasks"`);
    await queryRunner.query(`
      CREATE TRIGGER "workflow_tasks_fair_rank_insert" BEFORE INSERT ON "workflow_tasks"
        FOR EACH ROW WHEN (NEW.status = 'queued' AND NEW.fair_at IS NULL)
        EXECUTE FUNCTION workflow_tasks_fair_rank()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "workflow_tasks_fair_rank_insert" ON "workflow_tasks"`);
    await queryRunner.query(`
      CREATE TRIGGER "workflow_tasks_fair_rank_insert" BEFORE INSERT ON "workflow_tasks"
        FOR EACH ROW WHEN (NEW.status = 'queued') EXECUTE FUNCTION workflow_tasks_fair_rank()`);
  }
}
