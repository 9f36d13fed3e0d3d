import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The check constraints of `workflow_tasks` and `workflow_runs` that compare text with lists of
 * values (status, kind, fan-out element, concurrency state) become calls of IMMUTABLE PL/pgSQL
 * functions holding the same expressions, under the same names.
 *
 * PostgreSQL keeps a check constraint as the text of its expression tree and, for every
 * statement that inserts or updates rows of the table, reads that text back into a tree,
 * simplifies it and compiles it (`ExecRelCheck`); nothing of it is kept between statements.
 * A list of varchar constants is the dearest text to read (every byte of every constant is a
 * number in it): measured on a copy of `workflow_tasks` updating one row by primary key per
 * statement, 26-31 µs without checks, 65-98 µs with its five, 34-40 µs with these functions
 * (docs/scaling.md, "Rows written per task"). Dispatch updates one task and one run
 * per statement (a claim, a completion), so that was paid several times per task. A function's
 * body is compiled once per connection; its call costs a few microseconds a row (about 3 µs
 * more than the inline expressions for each row of a large statement, such as a fan-out's
 * thousand elements, which it pays once). The two checks of two columns compared with NULL
 * (`rate_units`, `reserved`) cost little and stay as they are.
 *
 * Not STRICT: a call with NULL arguments runs the expression, as the inline check did (NULL is
 * a pass for a check, FALSE a violation). The functions read no table and set nothing. Their
 * parameters are named as the columns they are given, so one expression is both a function's
 * body and, on the way down, the inline check it was.
 *
 * Adding the constraints reads every task and run once, with the tables locked (as every
 * migration that changed a check did): about 1.4 s per million tasks for their three checks,
 * measured on a copy of the table.
 */
export class CompiledRowChecks1763800350000 implements MigrationInterface {
  name = 'CompiledRowChecks1763800350000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const check of CHECKS) {
      await queryRunner.query(`
        CREATE FUNCTION ${check.fn}(${signature(check)})
          RETURNS boolean
          LANGUAGE plpgsql
          IMMUTABLE PARALLEL SAFE
        AS $$ BEGIN RETURN ${check.expression}; END $$`);
    }
    await replaceChecks(
      queryRunner,
      (check) => `${check.fn}(${Object.keys(check.columns).join(', ')})`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await replaceChecks(queryRunner, (check) => check.expression);
    for (const check of CHECKS) {
      await queryRunner.query(`DROP FUNCTION ${check.fn}(${signature(check)})`);
    }
  }
}

interface RowCheck {
  table: 'workflow_tasks' | 'workflow_runs';
  name: string;
  fn: string;
  /** The columns the check reads, with their types: the function's parameters, in order. */
  columns: Record<string, string>;
  /** Of the columns: the function's body, and the inline check it replaces. */
  expression: string;
}

function signature(check: RowCheck): string {
  return Object.entries(check.columns)
    .map(([column, type]) => `${column} ${type}`)
    .join(', ');
}

/** Each table's checks dropped and added again as `condition` gives them, one ALTER a table. */
async function replaceChecks(
  queryRunner: QueryRunner,
  condition: (check: RowCheck) => string,
): Promise<void> {
  for (const table of ['workflow_tasks', 'workflow_runs']) {
    const changes = CHECKS.filter((check) => check.table === table).map(
      (check) =>
        `DROP CONSTRAINT "${check.name}", ADD CONSTRAINT "${check.name}" CHECK (${condition(check)})`,
    );
    await queryRunner.query(`ALTER TABLE "${table}" ${changes.join(', ')}`);
  }
}

const TASK_STATUSES = `'queued', 'held', 'claimed', 'waiting', 'succeeded', 'failed', 'cancelled', 'timed_out'`;
const TASK_KINDS = `'task', 'wait', 'approval', 'sleep', 'fanout', 'github'`;
const RUN_STATUSES = `'scheduled', 'pending', 'running', 'budget_exceeded', 'succeeded', 'failed', 'cancelled'`;

const CHECKS: RowCheck[] = [
  {
    table: 'workflow_tasks',
    name: 'workflow_tasks_status_check',
    fn: 'workflow_task_status_valid',
    columns: { status: 'varchar' },
    expression: `status IN (${TASK_STATUSES})`,
  },
  {
    table: 'workflow_tasks',
    name: 'workflow_tasks_kind_check',
    fn: 'workflow_task_kind_valid',
    columns: { kind: 'varchar', status: 'varchar' },
    expression: `kind IN (${TASK_KINDS})
           AND (kind = 'task' OR status NOT IN ('queued', 'held', 'claimed'))
           AND (kind <> 'task' OR status <> 'waiting')`,
  },
  {
    table: 'workflow_tasks',
    name: 'workflow_tasks_element_check',
    fn: 'workflow_task_element_valid',
    columns: { kind: 'varchar', element_index: 'integer', element_count: 'integer' },
    expression: `(element_index IS NULL OR (kind = 'task' AND element_index BETWEEN 0 AND 999))
           AND (element_count IS NULL OR (kind = 'fanout' AND element_count BETWEEN 0 AND 1000))`,
  },
  {
    table: 'workflow_runs',
    name: 'workflow_runs_status_check',
    fn: 'workflow_run_status_valid',
    columns: { status: 'varchar' },
    expression: `status IN (${RUN_STATUSES})`,
  },
  {
    table: 'workflow_runs',
    name: 'workflow_runs_concurrency_state_check',
    fn: 'workflow_run_concurrency_state_valid',
    columns: { concurrency_state: 'varchar' },
    expression: `concurrency_state IN ('waiting', 'holding')`,
  },
];
