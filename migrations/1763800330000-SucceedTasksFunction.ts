import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A completion batch's tasks marked succeeded, with what the batch needs to move their runs on,
 * as a function the batch calls in the statement that locks the runs
 * (`workflow_lock_runs_of_tasks`): one round trip where there were two. It must be a function:
 * its statements take their snapshots after the caller holds the runs' locks, so a run's other
 * steps (`others`) are read as the last completion of one of them committed them. Read in the
 * caller's own statement, they would be as they were before it waited for a lock, and two
 * parallel steps completed at once could each see the other still claimed (the run would then
 * wait for ever).
 *
 * Per task done: its row, which request of the batch it was done for (`holder`, from 0), its
 * time since its claim by the database clock, and for the first of each run the run's other
 * tasks' progress. Only the current lease matches, so at most one request per task does.
 *
 * The tasks are updated one at a time, each by its primary key, with the other conditions
 * wrapped (`IS TRUE`) so that no other index can serve them: the function keeps its plans (a
 * generic plan, forced), and a plan made while `workflow_tasks` was empty would otherwise read a
 * whole index on every call (the partial index of claimed tasks, or the primary key into a hash
 * or as the outer side of a join), whatever joins were turned off.
 */
export class SucceedTasksFunction1763800330000 implements MigrationInterface {
  name = 'SucceedTasksFunction1763800330000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION workflow_succeed_tasks(run_ids uuid[], tenant_ids varchar[], task_ids uuid[],
                                             lease_tokens varchar[], outputs jsonb[],
                                             result_hashes varchar[], agent_ids varchar[])
        RETURNS TABLE (task workflow_tasks, holder int, duration_ms int, others json)
        LANGUAGE plpgsql
        SET plan_cache_mode = force_generic_plan
        SET enable_seqscan = off
      AS $$
      #variable_conflict use_column
      DECLARE
        done_row workflow_tasks;
        done_rows workflow_tasks[] := '{}';
        done_holders int[] := '{}';
        done_ms int[] := '{}';
        done_ids uuid[] := '{}';
      BEGIN
        FOR k IN 1 .. coalesce(array_length(task_ids, 1), 0) LOOP
          UPDATE workflow_tasks t
             SET status = 'succeeded', output = outputs[k], finished_at = now(),
                 result_hash = result_hashes[k], error = NULL
           WHERE t.id = task_ids[k]
             AND (t.tenant_id = tenant_ids[k] AND t.run_id = ANY(run_ids)
                  AND t.status = 'claimed' AND t.lease_token = lease_tokens[k]
                  AND t.lease_expires_at > now()
                  AND (agent_ids[k] IS NULL OR t.agent_id = agent_ids[k])) IS TRUE
          RETURNING t.* INTO done_row;
          IF FOUND THEN
            done_rows := done_rows || done_row;
            done_holders := done_holders || (k - 1);
            done_ms := done_ms ||
              (extract(epoch FROM clock_timestamp() - done_row.claimed_at) * 1000)::int;
            done_ids := done_ids || done_row.id;
          END IF;
        END LOOP;
        RETURN QUERY
          SELECT done_rows[g.k], done_holders[g.k], done_ms[g.k],
                 CASE WHEN row_number() OVER (PARTITION BY (done_rows[g.k]).run_id
                                              ORDER BY g.k) = 1 THEN
                   coalesce((SELECT json_agg(json_build_object(
                                      'stepKey', s.step_key, 'status', s.status, 'kind', s.kind,
                                      'elementIndex', s.element_index,
                                      'elementCount', s.element_count,
                                      'output', CASE WHEN s.element_index IS NULL
                                                THEN s.output END))
                               FROM workflow_tasks s
                              WHERE s.run_id = (done_rows[g.k]).run_id
                                AND s.id <> ALL(done_ids)),
                            '[]')
                 END
            FROM generate_series(1, coalesce(array_length(done_ids, 1), 0)) AS g(k)
           ORDER BY g.k;
      END
      $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DROP FUNCTION workflow_succeed_tasks(uuid[], varchar[], uuid[], varchar[], jsonb[], varchar[], varchar[])`,
    );
  }
}
