import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `workflow_owed_progress(task_ids)`: the progress reports the tasks still owe (pending
 * `task_progress` rows), as the completion writes them before its `task.succeeded`. VOLATILE,
 * so the read takes a snapshot of its own when it runs: the completion calls it once it holds
 * its tasks' locks, and sees a report that committed while it waited for them. Read in the
 * completion's own snapshot (taken when its statement began), such a report was left to its
 * trailing write, after the completion in the task's history. PL/pgSQL with a generic plan kept
 * per connection and read by the primary key, as the completion's other functions (an array of
 * ids would otherwise be planned again at every call).
 */
export class OwedProgressFunction1763800360000 implements MigrationInterface {
  name = 'OwedProgressFunction1763800360000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION workflow_owed_progress(task_ids uuid[]) RETURNS json
        LANGUAGE plpgsql VOLATILE
        SET plan_cache_mode = force_generic_plan
        SET enable_seqscan = off
        AS $$
        BEGIN
          RETURN (SELECT json_agg(json_build_object(
                           'taskId', o.task_id, 'tenantId', o.tenant_id, 'runId', o.run_id,
                           'progress', o.progress, 'updatedAt', o.updated_at::text))
                    FROM task_progress o
                   WHERE o.task_id = ANY(task_ids) AND o.pending);
        END
        $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION workflow_owed_progress(uuid[])`);
  }
}
