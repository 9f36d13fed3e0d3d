import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `workflow_lock_runs_of_tasks` locks each run by its primary key, one at a time in id order,
 * with a plan it keeps, where it planned one statement for all of them at every call: that
 * planning (0.17-0.25 ms) was most of the lock's time in the database, paid by every completion,
 * failure and heartbeat batch. One run per statement is an equality on the primary key, which
 * no plan made from an empty table's statistics reads another way (a unique index gives one
 * row); the tenant is checked by the caller's read of the tasks, as before. Ids sorted, so two
 * batches lock their runs in one order and cannot deadlock.
 */
export class RunLockByKey1763800340000 implements MigrationInterface {
  name = 'RunLockByKey1763800340000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      lockFunction(`
      DECLARE
        locking uuid;
      BEGIN
        FOR locking IN
          SELECT DISTINCT t.run_id
            FROM unnest(tenant_ids, task_ids) AS i(tenant_id, id)
            CROSS JOIN LATERAL (SELECT w.run_id FROM workflow_tasks w
                                 WHERE w.id = i.id AND w.tenant_id = i.tenant_id OFFSET 0) t
           ORDER BY 1
        LOOP
          RETURN QUERY SELECT * FROM workflow_runs r WHERE r.id = locking FOR UPDATE;
        END LOOP;
      END`),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      lockFunction(`
      DECLARE
        run_ids uuid[];
      BEGIN
        run_ids := ARRAY(
          SELECT DISTINCT t.run_id
            FROM unnest(tenant_ids, task_ids) AS i(tenant_id, id)
            CROSS JOIN LATERAL (SELECT w.run_id FROM workflow_tasks w
                                 WHERE w.id = i.id AND w.tenant_id = i.tenant_id OFFSET 0) t);
        RETURN QUERY EXECUTE
          'SELECT * FROM workflow_runs WHERE id = ANY($1) ORDER BY id FOR UPDATE' USING run_ids;
      END`),
    );
  }
}

/** `workflow_lock_runs_of_tasks` with this body, its signature and settings as they were. */
function lockFunction(body: string): string {
  return `
      CREATE OR REPLACE FUNCTION workflow_lock_runs_of_tasks(tenant_ids varchar[], task_ids uuid[])
        RETURNS SETOF workflow_runs
        LANGUAGE plpgsql
        SET plan_cache_mode = force_generic_plan
        SET enable_seqscan = off
      AS $$${body}
      $$`;
}
