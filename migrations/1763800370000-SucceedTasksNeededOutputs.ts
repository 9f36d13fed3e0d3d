import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `workflow_succeed_tasks_needed`: `workflow_succeed_tasks` answering the outputs of a run's
 * other steps only where moving the run on may read them: the dependencies of its steps not
 * started yet (no row of their own), whose task inputs (or fan-out items) are built from them.
 * Each other succeeded step's output is `withheld` instead: the caller reads those once, when
 * the run finishes and its output gathers them all. Every completion of a wide run used to read
 * back every output of the run so far, 1 MB each at most: the k-th completion read k MB, and a
 * run of 200 parallel steps stalled past the statement timeout about the 40th.
 *
 * A function of its own name: replicas of the previous version, still serving during a
 * rolling update, keep calling `workflow_succeed_tasks`, which still answers every output (read
 * as null, a withheld one would be lost from the run's output). A later release drops it.
 *
 * Otherwise as SucceedTasksFunction (one task at a time by its primary key, the run's other
 * tasks read after the locks are held). `needed` is read once per run: a step without a row is
 * looked up by the unique index of (run_id, step_key) of rows that are not fan-out elements.
 * JIT off: the generic plan's estimate (a thousand tasks, each with its subplan) passes
 * `jit_above_cost`, and compiling it took 13 ms a call where the statement runs in 0.1.
 */
export class SucceedTasksNeededOutputs1763800370000 implements MigrationInterface {
  name = 'SucceedTasksNeededOutputs1763800370000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION workflow_succeed_tasks_needed(run_ids uuid[], tenant_ids varchar[],
                                                        task_ids uuid[], lease_tokens varchar[],
                                                        outputs jsonb[], result_hashes varchar[],
                                                        agent_ids varchar[])
        RETURNS TABLE (task workflow_tasks, holder int, duration_ms int, others json)
        LANGUAGE plpgsql
        SET plan_cache_mode = force_generic_plan
        SET enable_seqscan = off
        SET jit = off
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
                   coalesce((
                     WITH needed AS (
                       SELECT coalesce(array_agg(DISTINCT d.key), '{}') AS keys
                         FROM workflow_runs r
                         CROSS JOIN LATERAL jsonb_array_elements(r.steps) st
                         CROSS JOIN LATERAL jsonb_array_elements_text(
                                      coalesce(st -> 'dependsOn', '[]'::jsonb)) d(key)
                        WHERE r.id = (done_rows[g.k]).run_id
                          AND NOT EXISTS (SELECT 1 FROM workflow_tasks x
                                           WHERE x.run_id = r.id AND x.step_key = st ->> 'key'
                                             AND x.element_index IS NULL))
                     SELECT json_agg(json_build_object(
                              'stepKey', s.step_key, 'status', s.status, 'kind', s.kind,
                              'elementIndex', s.element_index,
                              'elementCount', s.element_count,
                              'output', CASE WHEN s.element_index IS NULL
                                              AND s.step_key = ANY(n.keys) THEN s.output END,
                              'withheld', s.element_index IS NULL AND s.status = 'succeeded'
                                          AND s.step_key <> ALL(n.keys)))
                       FROM workflow_tasks s CROSS JOIN needed n
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
      `DROP FUNCTION workflow_succeed_tasks_needed(uuid[], varchar[], uuid[], varchar[], jsonb[], varchar[], varchar[])`,
    );
  }
}
