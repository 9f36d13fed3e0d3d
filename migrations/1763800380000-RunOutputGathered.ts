import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A succeeded run's output gathered where its steps' outputs are: `workflow_run_output` reads
 * them (`{<stepKey>: <output>}`, the `onFinish` step's and fan-out elements' aside) and
 * `workflow_finish_runs_from_tasks` finishes runs with it; the `workflow.succeeded` event
 * carries the same. The service used to read every output, make one JSON text of them and send
 * it back twice (the run's output, its event's), PostgreSQL parsing each copy again: tens of MB
 * of outputs made a statement that outlived the statement timeout, on every try. Copied as
 * jsonb, nothing is parsed again.
 *
 * The finish answers only the runs' ids: its rows were read back whole, their outputs too,
 * which the service has no need of. A function of its own name: replicas of the previous
 * version, still serving during a rolling update, keep calling `workflow_finish_succeeded_runs`
 * with the outputs they gathered. A later release drops it. As that one, a generic plan made
 * with sequential scans off (a run and its tasks found by their keys however small the tables
 * were when it was planned).
 */
export class RunOutputGathered1763800380000 implements MigrationInterface {
  name = 'RunOutputGathered1763800380000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION workflow_run_output(run uuid)
        RETURNS jsonb
        LANGUAGE plpgsql STABLE
        SET plan_cache_mode = force_generic_plan
        SET enable_seqscan = off
      AS $$
      BEGIN
        RETURN (SELECT coalesce(jsonb_object_agg(t.step_key, coalesce(t.output, 'null'::jsonb)),
                                '{}'::jsonb)
                  FROM workflow_tasks t
                 WHERE t.run_id = run AND t.element_index IS NULL AND t.status = 'succeeded'
                   AND t.step_key <> 'onFinish');
      END
      $$`);
    await queryRunner.query(`
      CREATE FUNCTION workflow_finish_runs_from_tasks(run_ids uuid[])
        RETURNS SETOF uuid
        LANGUAGE plpgsql
        SET plan_cache_mode = force_generic_plan
        SET enable_seqscan = off
      AS $$
      BEGIN
        RETURN QUERY
          WITH finished AS (
            UPDATE workflow_runs r
               SET status = 'succeeded', output = workflow_run_output(r.id),
                   error = 'null'::jsonb, finished_at = now()
             WHERE r.id = ANY(run_ids)
            RETURNING r.id)
          SELECT id FROM finished;
      END
      $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION workflow_finish_runs_from_tasks(uuid[])`);
    await queryRunner.query(`DROP FUNCTION workflow_run_output(uuid)`);
  }
}
