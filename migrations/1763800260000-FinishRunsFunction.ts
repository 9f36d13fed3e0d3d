import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The finish of the runs whose every step succeeded, one UPDATE for a completion batch, as a
 * function. As a statement PostgreSQL planned it afresh on every call: its arrays make each
 * custom plan look cheaper than the generic one, so the generic plan was never kept, and the
 * planning cost as much as the update. The function keeps one plan per connection (a generic
 * plan, forced), made with sequential scans off, so that a plan made while `workflow_runs` was
 * empty still finds each run by its primary key.
 */
export class FinishRunsFunction1763800260000 implements MigrationInterface {
  name = 'FinishRunsFunction1763800260000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION workflow_finish_succeeded_runs(run_ids uuid[], outputs jsonb[])
        RETURNS SETOF workflow_runs
        LANGUAGE plpgsql
        SET plan_cache_mode = force_generic_plan
        SET enable_seqscan = off
      AS $$
      BEGIN
        RETURN QUERY
          WITH finished AS (
            UPDATE workflow_runs r
               SET status = 'succeeded', output = f.run_output, error = 'null'::jsonb,
                   finished_at = now()
              FROM unnest(run_ids, outputs) AS f(run_id, run_output)
             WHERE r.id = f.run_id
            RETURNING r.*)
          SELECT * FROM finished;
      END
      $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION workflow_finish_succeeded_runs(uuid[], jsonb[])`);
  }
}
